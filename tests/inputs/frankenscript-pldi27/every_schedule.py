#!/usr/bin/env python3
"""Runs FrankenScript programs with pldi27 under every schedule it offers and replays each run.

    every_schedule.py --frankenscript PATH/frankenscript --lungfish build/lungfish P.frank...

pldi27 asks on stdin which ready behaviour runs next. A depth-first search over the answers: a
run answers a prefix, then 0 at every later prompt; its log's lists (`Available behaviors:`)
give, at each later prompt, the other answers to try. Each run is laid out as a user records it
(NAME.frank, NAME.out, mermaid.md in a fresh directory) and replayed with `lungfish replay
--json`. One line per schedule: program, answers, runtime exit code, replay's defects (or
clean), the runtime outcome, whether the program was followed, and the run's first finding if
no defect names it (a new bug, in the runtime or in replay). Exit 1 if any. The standard library
only.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

CAP = 4 << 20  # bytes of log: a run prompting for ever is cut here


def run(args, prog, answers):
    d = tempfile.mkdtemp(prefix="every-schedule-")
    name = os.path.basename(prog)[: -len(".frank")]
    shutil.copy(prog, os.path.join(d, name + ".frank"))
    feed = "".join(f"{a}\n" for a in answers) + "0\n" * 2000
    with open(os.path.join(d, name + ".out"), "wb") as out:
        p = subprocess.Popen([args.frankenscript, "build", name + ".frank"], cwd=d,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            p.stdin.write(feed.encode()); p.stdin.close()
        except BrokenPipeError:
            pass
        n = 0
        while True:
            b = p.stdout.read(65536)
            if not b:
                break
            n += len(b); out.write(b)
            if n > CAP:
                p.kill(); break
        rc = p.wait()
    log = open(os.path.join(d, name + ".out"), errors="replace").read()
    prompts = [re.findall(r"Behavior_(\d+)", m.group(1))
               for m in re.finditer(r"Available behaviors:\n((?:- \d+: Behavior_\d+\n)*)", log)]
    prompts = [p for i, p in enumerate(prompts) if p and (i == 0 or p != prompts[i - 1])]
    rep = subprocess.run([args.lungfish, "replay", "--json", os.path.join(d, "mermaid.md")],
                         capture_output=True, text=True)
    try:
        j = json.loads(rep.stdout)
        verdict = ", ".join(dict.fromkeys(j.get("defects", []))) or (
            "clean" if j["outcome"] == "ok" else j["outcome"])
        # The run's first finding (what `diff` groups by); later ones may be its consequences.
        found = sorted([(x["event"], x.get("defect"), x["kind"] + ": " + x["detail"])
                        for x in j["divergences"]] +
                       [(v["event"], v.get("defect"), v["invariant"] + ": " + v["message"])
                        for v in j.get("violations", [])], key=lambda f: f[0])
        unnamed = [found[0][2]] if found and not found[0][1] else []
        rest = [j["runtime_outcome"], "followed" if j["followed_program"] else "not followed",
                "; ".join(unnamed)]
    except (ValueError, KeyError):
        text = " ".join((rep.stdout + rep.stderr).split())
        verdict, rest = "replay error", ["", "", text[:300]]
    return d, rc, prompts, verdict, rest


def explore(args, prog):
    seen, stack, unnamed = set(), [[]], 0
    while stack:
        pre = stack.pop()
        d, rc, prompts, verdict, rest = run(args, prog, pre)
        answers = (pre + [0] * len(prompts))[: len(prompts)]
        if not args.keep:
            shutil.rmtree(d)
        if tuple(answers) in seen:
            continue
        seen.add(tuple(answers))
        unnamed += bool(rest[2]) or verdict == "replay error"
        print("\t".join([os.path.basename(prog), str(answers), str(rc), verdict] + rest +
                        ([d] if args.keep else [])), flush=True)
        for i in range(len(pre), len(prompts)):
            for a in range(1, len(prompts[i])):
                stack.append(answers[:i] + [a])
    return len(seen), unnamed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frankenscript", required=True)
    ap.add_argument("--lungfish", required=True)
    ap.add_argument("--keep", action="store_true", help="keep each run's directory")
    ap.add_argument("programs", nargs="+")
    args = ap.parse_args()
    runs = unnamed = 0
    for prog in args.programs:
        r, u = explore(args, prog)
        runs, unnamed = runs + r, unnamed + u
    print(f"{len(args.programs)} programs, {runs} schedules, {unnamed} whose first finding no "
          "defect names",
          file=sys.stderr)
    return 1 if unnamed else 0


if __name__ == "__main__":
    sys.exit(main())

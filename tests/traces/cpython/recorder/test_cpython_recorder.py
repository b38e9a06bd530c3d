"""The CPython recorder on the running python3: the programs in tests/inputs/python/recorder/
(the Python subset, and real Python around it: functions, loops, classes with methods and bases,
nested containers, comprehensions, instance dicts) are recorded with `python3 -m
lungfish_record` and replayed through `lungfish replay` under the cpython profile. Each must
replay clean, statements outside the subset being opaque steps, unless its first line says
`# expect: I18` (a finding: replay exits 1 with that invariant broken) or `# expect: E_IMMUTABLE`
(replay exits 1 with a divergence naming that code: the runtime accepted what the model rejects).
Programs that call freeze need the patched runtime: on a stock CPython they are skipped with a
message (freeze does not exist there, and is never faked).

Run: python3 test_cpython_recorder.py LUNGFISH_BINARY   (ctest passes the binary)."""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

LUNGFISH = None
PATCHED = sys.version_info >= (3, 15) and importlib.util.find_spec("immutable") is not None

PROGRAM_DIR = os.path.join(HERE, "..", "..", "..", "inputs", "python", "recorder")
NODE = "class Node:\n    def __init__(self, v, nxt):\n        self.v = v\n        self.nxt = nxt\n"
# tests/inputs/python/recorder/NAME.py: cycles, classes, nested containers, aliases, deletes,
# a failing read; failed freezes, frozen writes and frozen cycles (these need the patched runtime).
PROGRAMS = {}
for _f in sorted(os.listdir(PROGRAM_DIR)):
    if _f.endswith(".py"):
        with open(os.path.join(PROGRAM_DIR, _f)) as _src:
            PROGRAMS[_f[:-3]] = _src.read()


DEFECT_DIR = os.path.join(HERE, "..", "..", "..", "inputs", "cpython", "recorder")
RECORDER_PATH = os.path.join(HERE, "..", "..", "..", "..", "traces", "cpython", "recorders", "cpython")


def opaque_only(report):
    """True if nothing diverged: statements outside the subset are opaque steps (counted in the
    report's `opaque`), and every other event was modelled."""
    return report["divergences"] == [] and report["modelled"] + report["opaque"] == report["events"]


OBSERVED = """from immutable import freeze
import sys
class Node:
    def __init__(self, name, nxt):
        self.name = name
        self.next = nxt
a = Node('a', None)
b = Node('b', a)
a.next = b
names = sorted(Node.__dict__)
xs = [a, b]
freeze(a)
print(sys.getrefcount(a), sys.getrefcount(b), sys.getrefcount(xs))
b = None
print(sys.getrefcount(a), a.next.name, len(names) > 0)
"""


class RecorderTest(unittest.TestCase):
    def record(self, name, source, d):
        """Records `source` as the user does, in a process of its own: the trace's text."""
        prog = os.path.join(d, name + ".py")
        with open(prog, "w") as f:
            f.write(source)
        env = dict(os.environ, PYTHONPATH=RECORDER_PATH)
        r = subprocess.run([sys.executable, "-m", "lungfish_record", prog], capture_output=True,
                           text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def replay(self, name, source):
        if "freeze" in source and not PATCHED:
            self.skipTest("needs the patched CPython (freeze does not exist on %s)"
                          % sys.version.split()[0])
        expect = source.split("\n", 1)[0].partition("# expect:")[2].strip()
        with tempfile.TemporaryDirectory() as d:
            trace = self.record(name, source, d)
            path = os.path.join(d, name + ".jsonl")
            with open(path, "w") as f:
                f.write(trace)
            r = subprocess.run([LUNGFISH, "replay", "--json", path], capture_output=True,
                               text=True)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        report = json.loads(r.stdout)
        broken = sorted({v["invariant"] for v in report["violations"]})
        if expect.startswith("I"):
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(expect, broken, r.stdout)
        elif expect:
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertTrue(any(expect in d["detail"] for d in report["divergences"]), r.stdout)
        else:
            self.assertEqual(broken, [], r.stdout + trace)
            self.assertTrue(opaque_only(report), r.stdout + trace)
        return trace

    def test_recording_does_not_change_what_the_program_sees(self):
        # The source mentions __dict__ (of the class): the recorder must still not materialise
        # any instance's dict (on the patched runtime that makes the frozen cycle's count one
        # short, notes 7.1), nor hold references while a statement runs. The program prints
        # counts; recorded or not, it must print the same (its prints go to stderr there).
        source = OBSERVED if PATCHED else OBSERVED.replace("freeze(a)\n", "").replace(
            "from immutable import freeze\n", "")
        with tempfile.TemporaryDirectory() as d:
            prog = os.path.join(d, "observed.py")
            with open(prog, "w") as f:
                f.write(source)
            plain = subprocess.run([sys.executable, prog], capture_output=True, text=True)
            env = dict(os.environ, PYTHONPATH=RECORDER_PATH)
            rec = subprocess.run([sys.executable, "-m", "lungfish_record", prog],
                                 capture_output=True, text=True, env=env)
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertEqual(rec.returncode, 0, rec.stderr)
        self.assertEqual(rec.stderr, plain.stdout)
        for line in rec.stdout.splitlines()[1:]:
            self.assertNotIn('"__dict__"', line)  # no instance dict was materialised

    def test_runs_as_a_directory_too(self):
        # `python3 path/to/lungfish_record PROG.py` (what a diff --cmd may say) works like -m.
        with tempfile.TemporaryDirectory() as d:
            prog = os.path.join(d, "p.py")
            with open(prog, "w") as f:
                f.write("x = [1]\ny = x\n")
            env = dict(os.environ)
            env.pop("PYTHONPATH", None)
            r = subprocess.run([sys.executable, os.path.join(RECORDER_PATH, "lungfish_record"),
                                prog], capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 3, r.stdout)

    def test_rc_excludes_recorder(self):
        trace = self.replay("rc", NODE + "a = Node(1, None)\nb = [a, a]\n")
        self.assertIn('"rc":3', trace)  # a: the variable and two list slots

    def test_a_dozen_programs_run_on_this_runtime(self):
        runnable = [n for n, s in PROGRAMS.items() if PATCHED or "freeze" not in s]
        self.assertGreaterEqual(len(runnable), 12, runnable)

    def test_undefined_is_an_outcome(self):
        trace = self.replay("undef", PROGRAMS["undefined_name"])
        self.assertIn('"outcome":"E_UNDEFINED"', trace)


def programs_statements(source):
    """The top-level statements of a program (the recorder's steps)."""
    import ast
    return ast.parse(source).body


class ObserverEffectTest(unittest.TestCase):
    """The recorder does not disturb what it records: each program is recorded twice, with
    snapshots and without (--no-snapshots), both times with --observations, which writes after
    each statement, before its snapshot, the statement's outcome and sys.getrefcount of every
    global list, dict, set and instance. Snapshots that changed the program (a materialised
    instance dict makes a frozen SCC's count one short on the patched runtime, notes 7.1; a
    reference the recorder kept) would change a later count or outcome."""

    def observe(self, prog, d, snapshots):
        obs = os.path.join(d, "with.obs" if snapshots else "without.obs")
        env = dict(os.environ, PYTHONPATH=RECORDER_PATH)
        args = [sys.executable, "-m", "lungfish_record", "--keep-going", "--observations", obs]
        if not snapshots:
            args.append("--no-snapshots")
        r = subprocess.run(args + [prog], capture_output=True, text=True, env=env)
        self.assertIn(r.returncode, (0, 128 + 11), r.stderr)  # 139: the runtime's own crash
        with open(obs) as f:
            lines = [json.loads(line) for line in f]
        events = [json.loads(line) for line in r.stdout.splitlines()[1:]]
        self.assertEqual([o["step"] for o in lines], list(range(1, len(lines) + 1)))
        self.assertEqual(any("snapshot" in e for e in events), snapshots, r.stdout)
        return r.returncode, lines

    def test_snapshots_change_no_outcome_and_no_count(self):
        programs = dict(PROGRAMS)
        for f in sorted(os.listdir(DEFECT_DIR)):
            if f.endswith(".py"):
                with open(os.path.join(DEFECT_DIR, f)) as src:
                    programs["defect_" + f[:-3]] = src.read()
        if not PATCHED:
            programs = {n: s for n, s in programs.items() if "freeze" not in s}
        counted = 0
        with tempfile.TemporaryDirectory() as d:
            for name, source in sorted(programs.items()):
                prog = os.path.join(d, name + ".py")
                with open(prog, "w") as f:
                    f.write(source)
                with_rc, with_obs = self.observe(prog, d, True)
                without_rc, without_obs = self.observe(prog, d, False)
                # Every statement's outcome and counts, up to where the runtime died if it did.
                self.assertEqual(with_obs, without_obs, name)
                # The runtime's use-after-free (notes 7.1) kills it at exit or not depending on
                # addresses (ring_vars_freeze: 139 or 0 over runs of one recording mode): the
                # exit status is compared unless every statement ran and one of them died.
                if len(with_obs) < len(programs_statements(source)) or 139 not in (with_rc,
                                                                                    without_rc):
                    self.assertEqual(with_rc, without_rc, name)
                counted += sum(len(o["counts"]) for o in with_obs)
        self.assertGreater(counted, 100)  # counts were compared, not just empty lines


def _add(name, source):
    def test(self):
        self.replay(name, source)
    setattr(RecorderTest, "test_" + name, test)


for _n, _s in PROGRAMS.items():
    _add(_n, _s)

MATERIALISED_DICT_DEFECTS = (
    "SCC count too low after an instance __dict__ was materialised (I18)",
    "freeze tears its SCC down after an instance __dict__ was materialised",
    "crash in or after a freeze of an instance whose __dict__ was materialised")


class DiffTest(unittest.TestCase):
    """`lungfish diff --runtime cpython` with this interpreter and the recorder (--keep-going, as
    the generator's failing freezes and frozen writes need). On the patched runtime every group
    of divergences must be classified as a runtime defect, and diff must find the
    materialised-dict defect (notes 7.1) and shrink it; on a stock CPython only programs that
    freeze may differ (no `immutable`)."""

    report = None

    @classmethod
    def campaign(cls):
        if cls.report is None:
            env = dict(os.environ, PYTHONPATH=RECORDER_PATH)
            r = subprocess.run([LUNGFISH, "diff", "--runtime", "cpython", "--cmd",
                                sys.executable + " -m lungfish_record --keep-going {file}",
                                "--count", "60", "--seed", "1", "--jobs", "2", "--json"],
                               capture_output=True, text=True, env=env)
            assert r.returncode in (0, 1), r.stderr
            cls.report = json.loads(r.stdout)  # one JSON document (docs/json-output.md)
        return cls.report

    def test_generated_programs_replay_clean_or_classified(self):
        report = self.campaign()
        self.assertEqual(report["programs"], 60, report)
        self.assertEqual(report["crashes"], [], report)
        self.assertEqual(report["skipped"], 0, report)
        self.assertGreaterEqual(report["mean_statements"], 10, report)
        for d in report["divergences"]:
            self.assertIn("freeze", d["program"], d)
            if PATCHED:
                self.assertNotEqual(d["defect"], "unclassified", d)

    def test_diff_finds_and_shrinks_the_materialised_dict_defect(self):
        if not PATCHED:
            self.skipTest("needs the patched CPython (its defect; stock %s has no freeze)"
                          % sys.version.split()[0])
        report = self.campaign()
        found = [d for d in report["divergences"] if d["defect"] in MATERIALISED_DICT_DEFECTS]
        self.assertTrue(found, report)
        for d in found:
            # shrunk: fewer statements than the generated programs have on average (10 to 30,
            # the prelude of imports and classes included), the dict read and the freeze kept
            self.assertLess(d["statements"], report["mean_statements"], d)
            self.assertTrue("__dict__" in d["program"] or "vars(" in d["program"]
                            or "dir(" in d["program"], d)
            self.assertIn("freeze(", d["program"], d)
        # The shrunk program, recorded again and replayed, shows the same defect.
        d = min(found, key=lambda d: d["statements"])
        with tempfile.TemporaryDirectory() as tmp:
            prog = os.path.join(tmp, "shrunk.py")
            with open(prog, "w") as f:
                f.write(d["program"])
            env = dict(os.environ, PYTHONPATH=RECORDER_PATH)
            rec = subprocess.run([sys.executable, "-m", "lungfish_record", "--keep-going", prog],
                                 capture_output=True, text=True, env=env)
            trace = os.path.join(tmp, "shrunk.jsonl")
            with open(trace, "w") as f:
                f.write(rec.stdout)
            r = subprocess.run([LUNGFISH, "replay", "--json", trace], capture_output=True,
                               text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        replayed = json.loads(r.stdout)
        named = {x.get("defect") for x in replayed["divergences"] + replayed["violations"]}
        self.assertIn(d["defect"], named, r.stdout)


if __name__ == "__main__":
    LUNGFISH = sys.argv.pop(1)
    unittest.main()

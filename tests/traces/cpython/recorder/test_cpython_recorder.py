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


def _add(name, source):
    def test(self):
        self.replay(name, source)
    setattr(RecorderTest, "test_" + name, test)


for _n, _s in PROGRAMS.items():
    _add(_n, _s)

class DiffTest(unittest.TestCase):
    """`lungfish diff --runtime cpython` with this interpreter and the recorder: generated programs
    replay clean but for the patched runtime's materialised-dict defect (notes 7.1: only programs
    that read an instance's dict may differ there); on a stock CPython only programs that freeze
    may differ (no `immutable`)."""

    def test_generated_programs_replay_clean(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(HERE, "..", "..", "..", "..", "traces", "cpython", "recorders", "cpython")
        r = subprocess.run([LUNGFISH, "diff", "--runtime", "cpython", "--cmd",
                            sys.executable + " -m lungfish_record {file}", "--count", "60",
                            "--seed", "1", "--json"], capture_output=True, text=True, env=env)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        report = json.loads(r.stdout.split("\n", 1)[1])  # after the `seed=S` line
        self.assertGreater(report["programs"], 10, report)
        self.assertEqual(report["crashes"], [], report)
        self.assertEqual(report["skipped"], 0, report)
        self.assertGreaterEqual(report["mean_statements"], 10, report)
        for d in report["divergences"]:
            if PATCHED:
                self.assertTrue("vars(" in d["program"] or "__dict__" in d["program"],
                                "divergence on the patched runtime: %s" % d)
            self.assertIn("freeze", d["program"], d)


if __name__ == "__main__":
    LUNGFISH = sys.argv.pop(1)
    unittest.main()

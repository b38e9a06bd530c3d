"""The CPython recorder on the running python3: a dozen small programs of the Python subset are
recorded and replayed through `lungfish replay` under the cpython profile; each must replay clean.
Programs that call freeze need the patched runtime: on a stock CPython they are skipped with a
message (freeze does not exist there, and is never faked).

Run: python3 test_cpython_recorder.py LUNGFISH_BINARY   (ctest passes the binary)."""

import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "traces", "recorders", "cpython"))
from lungfish_record import record_source  # noqa: E402

LUNGFISH = None
PATCHED = sys.version_info >= (3, 15) and importlib.util.find_spec("immutable") is not None

NODE = "class Node:\n    def __init__(self, v, nxt):\n        self.v = v\n        self.nxt = nxt\n"
PROGRAMS = {
    "scalars": "x = 1\ny = 'two'\nz = (1, 'a')\nx = None\n",
    "two_cycle": NODE + "a = Node(1, None)\nb = Node(2, a)\na.nxt = b\n",
    "self_cycle": NODE + "a = Node(1, None)\na.nxt = a\nb = a\ndel a\n",
    "nested_lists": "a = []\nb = [a, 1]\nc = [b, b, None]\na.append(c)\nb.append(a)\n",
    "dicts": "d = {'k': None, 3: 'x'}\ne = {'d': d}\nd['self'] = d\ne['k'] = e['d']\n",
    "instances_in_containers": NODE + "xs = []\nn = Node(0, None)\nxs.append(n)\n"
                               "m = Node(1, n)\nd = {'m': m, 'xs': xs}\nn.v = d\n",
    "aliases": NODE + "a = Node(1, None)\nb = a\nc = b\nb = None\nc.nxt = c\n",
    "field_reads": NODE + "a = Node(1, None)\nb = Node(2, a)\nc = b.nxt\nd = [c]\ne = d[0]\n",
    "del_and_rebind": "a = [1]\nb = a\ndel a\na = {}\nb.append(a)\n",
    "classes_as_values": NODE + "k = Node\nx = Node(k, None)\n",
    "undefined_name": "a = []\nb = c\n",
    "index_stores": NODE + "n = Node(1, None)\nxs = [n, None]\nxs[1] = n\nys = xs\n"
                    "ys.append(None)\ndel n\n",
    "failed_freeze": "from immutable import freeze, set_freezable, FREEZABLE_NO\n"
                     "a = []\nb = [a]\nset_freezable(a, FREEZABLE_NO)\nfreeze(b)\n",
    "frozen_write": "from immutable import freeze\na = {}\nb = [a]\nfreeze(b)\na['x'] = None\n",
    "freeze_cycle": "from immutable import freeze\n" + NODE +
                    "a = Node(1, None)\nb = Node(2, a)\na.nxt = b\nfreeze(a)\nb = None\n",
}


class RecorderTest(unittest.TestCase):
    def replay(self, name, source):
        if "freeze" in source and not PATCHED:
            self.skipTest("needs the patched CPython (freeze does not exist on %s)"
                          % sys.version.split()[0])
        out = io.StringIO()
        record_source(source, name + ".py", out)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, name + ".jsonl")
            with open(path, "w") as f:
                f.write(out.getvalue())
            r = subprocess.run([LUNGFISH, "replay", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + out.getvalue())
        return out.getvalue()

    def test_rc_excludes_recorder(self):
        trace = self.replay("rc", NODE + "a = Node(1, None)\nb = [a, a]\n")
        self.assertIn('"rc":3', trace)  # a: the variable and two list slots

    def test_undefined_is_an_outcome(self):
        trace = self.replay("undef", PROGRAMS["undefined_name"])
        self.assertIn('"outcome":"E_UNDEFINED"', trace)


def _add(name, source):
    def test(self):
        self.replay(name, source)
    setattr(RecorderTest, "test_" + name, test)


for _n, _s in PROGRAMS.items():
    _add(_n, _s)

if __name__ == "__main__":
    LUNGFISH = sys.argv.pop(1)
    unittest.main()

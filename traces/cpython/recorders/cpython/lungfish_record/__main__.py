"""python3 -m lungfish_record [--keep-going] [--no-snapshots] [--observations FILE] PROG.py > trace.jsonl
(or python3 path/to/lungfish_record ...)

--no-snapshots: events carry no snapshot (the heap is never walked).
--observations FILE: after each statement, before its snapshot, one JSON line to FILE with the
statement's outcome and sys.getrefcount of each global list, dict, set and instance (the
recorder's references discounted): what the program itself could observe. Recording twice,
with and without snapshots, must give the same lines (the recorder's observer-effect test).

--keep-going: a statement's exception is recorded and the program goes on with the next top-level
statement, as if each were wrapped in `try: ... except Exception: pass` (how a test's
`with self.assertRaises(T): S` runs S); without it the first exception ends the program.

The recording runs in a child process: if the runtime dies of a signal (the patched CPython's
use-after-free, notes/cpython-immutability.md 7.1), the events recorded so far are kept and one
last event says which statement was running, with outcome `crash`; the exit code is the
child's (128 + the signal). What the program prints goes to stderr, not into the trace."""

import ast
import json
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the package's parent
if not __package__:  # run as `python3 path/to/lungfish_record PROG.py`
    sys.path.insert(0, HERE)
    from lungfish_record.recorder import record
else:
    from .recorder import record

CHILD = "LUNGFISH_RECORD_CHILD"


def crash_event(path, events, signum):
    """The event for the statement that was running when the child died, or for the exit."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    body = ast.parse(source, path).body
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = "signal %d" % signum
    if events >= len(body):  # every statement ran: the interpreter died while finishing
        return {"step": events + 1, "message": "exit", "outcome": "crash",
                "detail": "killed by %s after the last statement (at exit)" % name}
    node = body[events]
    text = ast.get_source_segment(source, node) or ""
    return {"step": events + 1, "line": node.lineno, "stmt": text,
            "message": "Line %d: %s" % (node.lineno, text.split("\n")[0]), "outcome": "crash",
            "detail": "killed by %s in this statement or while recording the heap after it"
                      % name}


def supervise(path, options):
    path_var = os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, **{CHILD: "1", "PYTHONPATH": path_var})
    child = subprocess.Popen([sys.executable, "-m", "lungfish_record"] + options + [path],
                             stdout=subprocess.PIPE, env=env, text=True)
    lines = 0
    for line in child.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines += 1
    rc = child.wait()
    if rc < 0:
        event = crash_event(path, max(lines - 1, 0), -rc)
        if lines > 0:
            sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")
        return 128 - rc
    return rc


USAGE = ("usage: python3 -m lungfish_record [--keep-going] [--no-snapshots] "
         "[--observations FILE] PROG.py > trace.jsonl\n")


def parse(argv):
    """(options to pass on, keep_going, snapshots, observations path, program), or None."""
    options, keep_going, snapshots, observations = [], False, True, None
    args = argv[1:]
    while len(args) > 1:
        a = args.pop(0)
        if a == "--keep-going":
            keep_going = True
            options.append(a)
        elif a == "--no-snapshots":
            snapshots = False
            options.append(a)
        elif a == "--observations" and len(args) > 1:
            observations = args.pop(0)
            options += [a, observations]
        else:
            return None
    if len(args) != 1 or args[0].startswith("-"):
        return None
    return options, keep_going, snapshots, observations, args[0]


def main(argv):
    parsed = parse(argv)
    if parsed is None:
        sys.stderr.write(USAGE)
        return 2
    options, keep_going, snapshots, observations, path = parsed
    try:
        if os.environ.get(CHILD) != "1":
            return supervise(path, options)
        # The trace owns stdout; what the program prints goes to stderr.
        trace = os.fdopen(os.dup(1), "w", encoding="utf-8")
        sys.stdout.flush()
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        obs = open(observations, "w", encoding="utf-8") if observations else None
        try:
            return record(path, trace, keep_going=keep_going, snapshots=snapshots,
                          observations=obs)
        finally:
            if obs:
                obs.close()
    except OSError as e:
        sys.stderr.write("lungfish_record: %s\n" % e)
        return 2
    except SyntaxError as e:
        sys.stderr.write("%s:%s:%s: %s\n" % (path, e.lineno or 0, e.offset or 0, e.msg))
        return 2


sys.exit(main(sys.argv))

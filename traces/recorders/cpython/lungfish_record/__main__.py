"""python3 -m lungfish_record PROG.py > trace.jsonl"""

import sys

from .recorder import record


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: python3 -m lungfish_record PROG.py > trace.jsonl\n")
        return 2
    try:
        return record(argv[1], sys.stdout)
    except OSError as e:
        sys.stderr.write("lungfish_record: %s\n" % e)
        return 2
    except SyntaxError as e:
        sys.stderr.write("%s:%s:%s: %s\n" % (argv[1], e.lineno or 0, e.offset or 0, e.msg))
        return 2


sys.exit(main(sys.argv))

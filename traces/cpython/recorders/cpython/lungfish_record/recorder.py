"""The recorder: one event per top-level statement, snapshots of what the globals reach.

What the snapshot shows, in the model's terms (docs/cpython-profile.md):
* a synthetic frame object `frame` whose fields are the program's globals (dunder names, modules,
  builtin functions and names bound by imports left out); a name deleted by `del` stays, as None;
* lists (fields "0", "1", ...), dicts (str(key) for int/str keys), instances of the program's
  classes (their attributes, and `__proto__` -> the class), the classes themselves (their
  attributes but dunder names other than __pre_freeze__, methods as function nodes (replay
  does not compare functions; a freeze reaching a __pre_freeze__ is opaque); their bases among the program's
  classes: `__proto__` -> the first, `__base1__`, ... -> the others);
* an instance whose dict the program materialised (`x.__dict__`, `vars(x)`, `dir(x)`) has a
  field `__dict__` -> that dict, drawn without fields: its entries are the instance's own
  attributes (CPython shares them with the instance's inline values), drawn on the instance;
* objects of other runtime types (set, deque, array, a C extension's object): the objects they
  reference as their traversal reports them (gc.get_referents), fields "0", "1", ... (runtime
  internals such as frames, code, modules and methods are not expanded);
* `freezable` "no" or "explicit" where the runtime's get_freezable says so (the object's own
  status, else its class's), so that a state adopted from a snapshot keeps it;
* immutable scalars (int, str, bool, float, None, tuples of scalars) as None: no edge;
* `rc` only where it is exact: lists, dicts and instances (the recorder's own references are
  discounted, by a calibration made at start-up) whose every reference is drawn (gc referrers
  compared with the drawn edges: a function default, a set, a generator hide one); classes and
  functions have none; a frozen SCC is counted on its representative (references from outside
  the SCC), its other members have none; an SCC with a hidden reference to a member has no rc.
The recorder never materialises an instance's dict (notes/cpython-immutability.md 7.1: __dict__,
vars() and dir() create it, and on the patched runtime a materialised dict makes a frozen SCC's
count one short): a materialised dict is found through the header (header.managed_dict) and its
items read with dict.items; otherwise every attribute name the program's source mentions (dunder
names never) is tried with object.__getattribute__, which reads the inline values without
creating the dict, skipping names the class defines as data descriptors other than slots (a
property would run the program's code), and kept only if the value is one of the instance's
gc.get_referents (so class attributes are not mistaken for instance attributes). Lists and dicts
are read with list/dict methods, never the program's overrides.
Frozen state comes only from the version-gated header reader; on a stock CPython it is omitted.
"""

import ast
import builtins
import gc
import json
import sys
import types

from .header import HeaderReader, managed_dict

SCALARS = (int, float, complex, str, bytes, bool, type(None), range)
OPAQUE_TYPES = (types.FrameType, types.GeneratorType, types.CoroutineType,
                types.AsyncGeneratorType, types.CodeType, types.ModuleType, types.MethodType,
                types.BuiltinFunctionType, types.CellType, types.MappingProxyType,
                types.TracebackType, types.SimpleNamespace, type, BaseException)


def is_scalar(v):
    if isinstance(v, SCALARS):
        return True
    return isinstance(v, (tuple, frozenset)) and all(is_scalar(x) for x in v)


def _calibrate():
    """How much sys.getrefcount(objs[i]) exceeds the references the program holds."""
    probe = []
    objs = [probe]
    held = 1  # the local variable `probe`
    return sys.getrefcount(objs[0]) - held


def _is_freeze_call(node):
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    f = node.value.func
    return (isinstance(f, ast.Name) and f.id == "freeze") or (
        isinstance(f, ast.Attribute) and f.attr == "freeze")


def raised_in_called_code(exc, code):
    """True if `exc` was raised in Python code the statement called (a frame below `code`)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code is not code


def subscripts_none(node, globals_):
    """True if `node` stores, deletes or reads an item of a global bound to None (`x[k] = v`,
    `del x[k]`, `y = x[k]`): looked up, never evaluated."""
    if globals_ is None:
        return False
    for n in ast.walk(node):
        if (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
                and n.value.id in globals_ and globals_[n.value.id] is None):
            return True
    return False


def classify(exc, node, code=None, globals_=None):
    """The error code for a Python exception raised by statement `node` (compiled as `code`):
    by types and where it was raised, never by texts."""
    if _is_freeze_call(node):
        if code is not None and raised_in_called_code(exc, code):
            return "E_HOOK"  # raised by a __pre_freeze__ hook (Python code freeze called)
        if isinstance(exc, TypeError):
            return "E_NOT_FREEZABLE"
        if code is None:
            return "E_HOOK"
    if isinstance(exc, TypeError) and subscripts_none(node, globals_):
        return "E_NONE_ACCESS"  # an item of None
    if isinstance(exc, TypeError):
        return "E_IMMUTABLE"  # writes to frozen objects raise TypeError
    if isinstance(exc, AttributeError) and getattr(exc, "obj", 0) is None:
        return "E_NONE_ACCESS"  # a field of None
    if isinstance(exc, (NameError, AttributeError, KeyError, IndexError)):
        return "E_UNDEFINED"
    if isinstance(exc, SystemError):
        return "crash"  # the interpreter's own internal error
    return "ok"  # the program's own error (ValueError, ...): no ownership rule; the run ends


class Recorder:
    def __init__(self, source, path, out, keep_going=False, snapshots=True, observations=None):
        self.keep_going = keep_going
        self.snapshots = snapshots
        self.observations = observations
        self.source = source
        self.path = path
        self.out = out
        self.tree = ast.parse(source, path)
        self.attr_names = sorted({n.attr for n in ast.walk(self.tree)
                                  if isinstance(n, ast.Attribute)
                                  and not (n.attr.startswith("__") and n.attr.endswith("__"))})
        self.imported = set()
        for n in ast.walk(self.tree):
            if isinstance(n, (ast.Import, ast.ImportFrom)):
                for a in n.names:
                    self.imported.add(a.asname or a.name.split(".")[0])
        self.globals = {"__name__": "__main__", "__builtins__": builtins}
        self.seen_roots = set()
        self.header = HeaderReader()
        try:  # the patched runtime's freezability (never imported on a stock CPython)
            import immutable
            self.get_freezable = immutable.get_freezable
            self.no, self.explicit = immutable.FREEZABLE_NO, immutable.FREEZABLE_EXPLICIT
        except (ImportError, AttributeError):
            self.get_freezable = None
        self.discount = _calibrate()

    def write(self, obj):
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.out.flush()  # a runtime crash in a later statement keeps what was recorded

    def user_class(self, t):
        return isinstance(t, type) and getattr(t, "__module__", None) == "__main__"

    def readable(self, t, name):
        """False if reading attribute `name` of a t instance could run the program's code."""
        for c in t.__mro__:
            a = c.__dict__.get(name)
            if a is not None:
                if isinstance(a, types.MemberDescriptorType):
                    return True
                return not (hasattr(type(a), "__set__") or hasattr(type(a), "__delete__"))
        return True

    def fields(self, o):
        """The named edges of o as (name, value) pairs."""
        if isinstance(o, (list, tuple)):
            return [(str(i), v) for i, v in enumerate(list.__iter__(o) if isinstance(o, list)
                                                      else tuple.__iter__(o))]
        if isinstance(o, dict):
            if id(o) in self.instance_dicts:
                return []  # its entries are drawn on the instance
            return [(str(k), v) for k, v in dict.items(o) if isinstance(k, (int, str))]
        if isinstance(o, type):
            # Its bases, as prototypes (a freeze of an instance reaches them through its class),
            # and its own attributes but dunder names (methods are function nodes).
            bases = [b for b in o.__bases__ if self.user_class(b)]
            out = [("__proto__" if k == 0 else "__base%d__" % k, b) for k, b in enumerate(bases)]
            if self.user_class(o):
                out += [(str(k), v) for k, v in vars(o).items()
                        if type(k) is str and (k == "__pre_freeze__" or not (
                            k.startswith("__") and k.endswith("__")))]
            return out
        if isinstance(o, types.FunctionType):
            return []
        if not self.user_class(type(o)):
            # Another runtime type (set, deque, array, a C extension's object): what it
            # references, as its traversal reports it, the objects only (its items, in its
            # order); runtime internals (frames, code, modules, methods) are not expanded.
            if isinstance(o, OPAQUE_TYPES):
                return []
            refs = [r for r in gc.get_referents(o)
                    if not is_scalar(r) and r is not self.globals and not isinstance(r, type)]
            return [(str(i), r) for i, r in enumerate(refs)]
        out = []
        d = managed_dict(o)
        if d is not None:
            out = [(k, v) for k, v in dict.items(d)
                   if type(k) is str and not (k.startswith("__") and k.endswith("__"))]
            out.append(("__dict__", d))
            self.instance_dicts.add(id(d))
            del d
        else:
            refs = gc.get_referents(o)
            for n in self.attr_names:
                if not self.readable(type(o), n):
                    continue
                try:
                    v = object.__getattribute__(o, n)
                except AttributeError:
                    continue
                if any(r is v for r in refs):
                    out.append((n, v))
                del v
            del refs
        out.append(("__proto__", type(o)))
        return out

    def freezable(self, o):
        """"no" or "explicit" if the runtime's get_freezable says so (the object's
        `__freezable__`, else its flags, else its type's), else None. Not asked of an instance
        whose class defines __getattr__ or __getattribute__ (the lookup would run its code)."""
        if self.get_freezable is None:
            return None
        t = type(o)
        if self.user_class(t) and any("__getattr__" in c.__dict__ or "__getattribute__" in c.__dict__
                                      for c in t.__mro__ if c is not object):
            return None
        try:
            status = self.get_freezable(o)
        except Exception:  # noqa: BLE001 - a status the runtime cannot read is unknown
            return None
        return {self.no: "no", self.explicit: "explicit"}.get(status)

    def snapshot(self):
        g = self.globals
        roots = {}
        for name in list(g.keys()):
            if name.startswith("__") or name in self.imported:
                continue
            v = g[name]
            if isinstance(v, (types.ModuleType, types.BuiltinFunctionType)):
                continue
            roots[name] = v
            del v  # the recorder holds no reference of its own when counting
        for name in self.seen_roots - roots.keys():
            roots[name] = None  # deleted: the model keeps the variable, holding None
        self.seen_roots |= roots.keys()

        objs, index, edges = [], {}, []
        self.instance_dicts = set()  # ids of materialised instance dicts met in this snapshot

        def key_of(v):
            if is_scalar(v):
                return None
            k = index.get(id(v))
            if k is None:
                k = index[id(v)] = len(objs)
                objs.append(v)
                edges.append(None)
            return "0x%x" % id(v)

        frame_fields = [["__proto__", "[Frame]"]]
        for name in sorted(roots):
            frame_fields.append([name, key_of(roots[name])])
        del roots
        i = 0
        while i < len(objs):
            pairs = self.fields(objs[i])
            edges[i] = [[n, key_of(v)] for n, v in pairs]
            del pairs
            i += 1
        for i in range(len(objs)):  # an instance dict reached before its instance
            if id(objs[i]) in self.instance_dicts:
                edges[i] = []
        nodes = [{"key": "frame", "kind": "frame", "loc": "local", "fields": frame_fields},
                 {"key": "[Frame]", "kind": "prototype", "loc": "imm", "fields": [],
                  "global": True, "label": "[Frame]"}]
        # The recorder's hold on every member of a frozen SCC is counted on the representative:
        # a representative's count is discounted once per member the recorder holds.
        held_members = {}
        for j in range(len(objs)):
            if self.header.frozen(objs[j]):
                rep = self.header.scc_rep_address(objs[j])
                if rep is not None:
                    held_members[rep] = held_members.get(rep, 0) + 1
        # A count is exact only if every reference to the object is drawn; an SCC's only if
        # every member's is (undrawn: index positions of objects with a reference not drawn).
        undrawn = self.undrawn_references(objs, index, edges)
        for j in list(undrawn):
            if self.header.frozen(objs[j]):
                rep = self.header.scc_rep_address(objs[j])
                if rep is not None and rep in index:
                    undrawn.add(index[rep])
        for i in range(len(objs)):
            o = objs[i]
            t = type(o)
            node = {"key": "0x%x" % id(o),
                    "kind": "function" if isinstance(o, types.FunctionType) else "object",
                    "loc": "local", "fields": edges[i], "type": t.__name__}
            frozen = self.header.frozen(o)
            member = False  # a frozen SCC member whose count lives on another object
            if frozen is not None:
                node["frozen"] = frozen
                if frozen:
                    node["loc"] = "imm"
                    rep = self.header.scc_rep_address(o)
                    if rep is not None and rep in index:
                        node["scc_rep"] = "0x%x" % rep
                    member = rep is not None and rep != id(o)
            status = self.freezable(o)
            if status:
                node["freezable"] = status
            counted = ((isinstance(o, (list, dict)) or self.user_class(t)) and not member
                       and i not in undrawn)
            del o
            if counted:
                extra = held_members.get(id(objs[i]), 1) - 1
                node["rc"] = sys.getrefcount(objs[i]) - self.discount - extra
            nodes.append(node)
        return {"roots": ["frame"], "objects": nodes, "regions": []}

    def undrawn_references(self, objs, index, edges):
        """Positions in objs of the objects that something references without a drawn edge: a
        class attribute's dict, a function's defaults or closure, a set, a generator, any object
        the snapshot does not show. One scan of the heap (gc.get_referrers of all at once)."""
        own = set()
        f = sys._getframe()
        while f is not None:
            own.add(id(f))
            f = f.f_back
        class_dicts = {}  # the dict of a drawn class -> the class's position (drawn on it)
        for j in range(len(objs)):
            if isinstance(objs[j], type):
                for r in gc.get_referents(objs[j]):
                    if type(r) is dict:
                        class_dicts[id(r)] = j
        out = set()
        args = tuple(objs)
        for r in gc.get_referrers(*args):
            if (r is objs or r is args or r is self.globals or id(r) in own
                    or id(r) in self.instance_dicts):  # an instance dict: drawn on its instance
                continue
            j = index.get(id(r), class_dicts.get(id(r)))
            shown = {}
            if j is not None:
                for _, t in edges[j]:
                    shown[t] = shown.get(t, 0) + 1
            held = {}
            for x in gc.get_referents(r):
                if id(x) in index:
                    held[id(x)] = held.get(id(x), 0) + 1
            for x, n in held.items():
                if shown.get("0x%x" % x, 0) < n:
                    out.add(index[x])
        del args
        return out

    def run(self):
        self.write({"lungfish_trace": 1, "runtime": "cpython", "profile": "cpython"})
        step = 0
        for node in self.tree.body:
            step += 1
            text = ast.get_source_segment(self.source, node) or ""
            event = {"step": step, "line": node.lineno, "stmt": text,
                     "message": "Line %d: %s" % (node.lineno, text.split("\n")[0])}
            code = compile(ast.Module(body=[node], type_ignores=[]), self.path, "exec")
            outcome, detail = "ok", ""
            try:
                exec(code, self.globals)
            except Exception as e:  # noqa: BLE001 - every exception is an outcome
                outcome = classify(e, node, code, self.globals)
                detail = type(e).__name__ + ": " + str(e)
            event["outcome"] = outcome
            if detail:
                event["detail"] = detail
            if self.observations is not None:
                self.observe(step, outcome)
            if self.snapshots:
                event["snapshot"] = self.snapshot()
            self.write(event)
            if detail and not self.keep_going:
                break  # a rejection ends the run, as in the model
        return 0


    def observe(self, step, outcome):
        """What the program itself could see after a statement, taken before any snapshot of
        it: the outcome and sys.getrefcount of each global list, dict, set and instance (the
        recorder's references discounted). Recorded with and without snapshots, the two must
        be equal, or the snapshots disturbed the program (the observer-effect test)."""
        counts = {}
        for name in sorted(k for k in self.globals if not k.startswith("__")):
            v = self.globals[name]
            if isinstance(v, (list, dict, set)) or self.user_class(type(v)):
                counts[name] = sys.getrefcount(v) - self.discount
            del v
        self.observations.write(json.dumps({"step": step, "outcome": outcome,
                                            "counts": counts}, separators=(",", ":")) + "\n")
        self.observations.flush()


def record_source(source, path, out, keep_going=False, snapshots=True, observations=None):
    """Records `source` (named `path` in messages) as a native trace on `out`; without
    `snapshots` its events carry none; `observations` (a file) gets one line per statement."""
    return Recorder(source, path, out, keep_going, snapshots, observations).run()


def record(path, out, keep_going=False, snapshots=True, observations=None):
    """Records the program in file `path` as a native trace on `out`."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    return record_source(source, path, out, keep_going, snapshots, observations)

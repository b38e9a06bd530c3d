// The program compiled to primitives, in FrankenScript's evaluation order.
//
// Each instruction is one primitive of the semantics (one small step): a load, a store through
// the barrier, a builtin call, ... `Statement` marks a statement boundary where FrankenScript
// prints `Line N: ...` and draws a diagram; the machine reports it to the observer. Control flow
// is desugared exactly as FrankenScript does (if/while markers, the `for` iterator `_iter_N` and
// its synthetic `Line 1: drop ...` steps, `return e` through the variable `return`), so that the
// model's statement boundaries line up with a recording's diagrams.
#pragma once

#include "model/ast.h"
#include "model/state.h"
#include "model/text/program_text.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lungfish {

enum class Op : uint8_t {
  PushNone,
  PushTrue,
  PushFalse,
  NewObject,  //                push {}
  NewString,  // a = text       push "text"
  LoadVar,    // a = name       push frame.name
  LoadField,  // a = name       pop o; push o.name (prototype chain)
  LoadIndex,  //                pop k, o; push o[k]
  StoreVar,   // a = name       pop v; frame.name = v
  StoreField, // a = name       pop v, o; o.name = v (barrier)
  StoreIndex, //                pop v, k, o; o[k] = v (barrier)
  StoreProto, //                pop v, o; o.__proto__ = v (barrier)
  SwapVar,    // a = name       push frame.name; frame.name = None     (move x)
  SwapField,  // a = name       pop o; push o.name; o.name = None      (move o.f)
  SwapIndex,  //                pop k, o; push o[k]; o[k] = None
  Eq,         //                pop b, a; push a is b
  Ne,
  JumpIfFalse, // a = target     pop v; jump unless v is True
  Jump,        // a = target
  Call,        // a = name, b = argc, c = wants value
  CallMethod,  // a = name, b = argc (with receiver), c = wants value
  Return,      // a = has value
  Pop,         //                pop and release
  Statement,   // a = statement index: a statement boundary
  IterNew,     //                pop o; push a new iterator over o
  IterNext,    //                pop it; push the next key (a new string) or None
  DefFunction, // a = function index; push the new function object
  Spawn,       // a = when index
  Halt,
  External, // replay: the body of a function whose statements come from a recording
  Yield,    // replay: the end of one recorded statement's code
};
std::string_view op_name(Op op);

struct Instr {
  Op op;
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t c = 0;
  uint32_t line = 0;
};

/// A function body (index 0 is the main program; `when` bodies are functions too).
struct Function {
  std::string name;
  std::vector<Symbol> params;
  std::vector<Instr> code;
  uint32_t line = 0;
  bool is_behaviour = false;
};

/// A statement boundary's message, as FrankenScript prints it.
struct StatementInfo {
  uint32_t line = 0;
  std::string message; // "Line 4: r.f = x"
};

/// What a `when` needs at spawn.
struct WhenInfo {
  std::vector<Symbol> cowns;    // c1..cn
  std::vector<Symbol> captures; // free variables of the body, captured by move
  uint32_t function = 0;        // the body
  uint32_t line = 0;
};

struct CompiledProgram {
  Program ast;
  std::vector<Function> functions;
  std::vector<StatementInfo> statements; // index 0 is unused
  std::vector<WhenInfo> whens;
};

/// Compiles a parsed program. Never fails: unknown names are runtime errors.
std::shared_ptr<const CompiledProgram> compile(const Program &program);

/// A program compiled one top-level statement at a time, to exactly what compile() gives the
/// whole: the builder owns the numbering — source lines (as the printed program has them),
/// statement boundaries, functions, `when`s and `for` iterators. Main's code always ends in
/// Halt. Used where a program grows a statement at a time and is run as it grows (the biased
/// generator's oracle), so that nothing re-numbers or splices code by hand.
class ProgramBuilder {
public:
  ProgramBuilder();
  ~ProgramBuilder();
  ProgramBuilder(const ProgramBuilder &) = delete;
  ProgramBuilder &operator=(const ProgramBuilder &) = delete;

  /// The program's extent, to roll back to.
  struct Mark {
    size_t main_length = 0, functions = 1, statements = 1, whens = 0;
    uint32_t iterators = 0, lines = 0;
  };
  /// Where the program ends now.
  Mark mark() const;
  /// Appends one top-level statement after the others: numbers its lines after theirs and
  /// compiles it at the end of main (before Halt). Returns the pc of its first instruction.
  uint32_t append(Stmt s);
  /// Drops everything appended after `m`.
  void rollback(const Mark &m);
  /// Back to the empty program.
  void clear();
  /// The program so far; the same object throughout (a machine may keep a pointer to it and run
  /// it between appends).
  const std::shared_ptr<CompiledProgram> &program() const { return program_; }
  /// The last line of the program so far.
  uint32_t lines() const { return lines_; }

private:
  struct Impl;
  std::shared_ptr<CompiledProgram> program_;
  std::unique_ptr<Impl> impl_;
  uint32_t lines_ = 0;
};

/// Replay: compiles one statement into function `function` of `into` (replacing its code),
/// ending in Yield; `def` bodies become External functions appended to `into`.
void compile_statement(const Stmt &stmt, CompiledProgram &into, uint32_t function);

/// Replay: one of the recorded steps of a `for` loop (FrankenScript's desugaring).
enum class ForStep : uint8_t { Create, Next };
/// Replay: compiles the code of one `for` step into function `function`, ending in Yield: Create
/// evaluates the object and stores the iterator `_iter_<iter>`; Next advances it and, if a key
/// remains, binds key and value (the statement event says "(Next)" or "(Break)").
void compile_for_step(const Stmt &for_stmt, ForStep step, uint32_t iter, CompiledProgram &into,
                      uint32_t function);

/// Replay: appends a function whose body is External (its statements come from a recording).
uint32_t add_external_function(CompiledProgram &into, const std::string &name,
                               const std::vector<std::string> &params);

/// The builtins (docs/semantics.md 3), resolved when no variable of that name is in scope.
enum class Builtin : uint8_t {
  Region,
  Cown,
  Create,
  Freeze,
  Close,
  IsClosed,
  Merge,
  Dissolve,
  IsReleased,
  Pass,
  Unreachable,
  PragmaImplicitFreezing,
  Display,      // mermaid_*, pragma_mermaid_*, breakpoint: no effect beyond their arguments' rc
  SetFreezable, // cpython profile
  Count
};
/// Looks up a builtin by name (all `mermaid_*` names map to Display).
std::optional<Builtin> find_builtin(std::string_view name);

} // namespace lungfish

#include "cli/run_report.h"

#include "model/code.h"
#include "model/io/atomic_file.h"
#include "model/render/render.h"
#include "traces/formats/native_trace.h"
#include "traces/snapshot.h"

#include <algorithm>
#include <cstring>

namespace lungfish::cli {

namespace {

std::string plural_steps(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " step" : " steps");
}

uint64_t object_serial(const State &h, ObjectId o) {
  return o != kNone && o < h.object_end() ? h.obj(o).serial : 0;
}

uint64_t region_serial(const State &h, RegionId r) {
  return r != kNoRegion && r < h.region_end() ? h.region(r).serial : 0;
}

} // namespace

namespace {

/// A DOT graph with a title naming the statement it shows (a rendered step says which it is).
std::string titled_dot(const World &w, const std::string &title) {
  std::string dot = render_dot(w);
  std::string label;
  for (char c : title)
    label += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  size_t brace = dot.find('{');
  if (brace == std::string::npos) return dot;
  return dot.substr(0, brace + 1) + "\n  label=\"" + label + "\";\n  labelloc=\"t\";" +
         dot.substr(brace + 1);
}

} // namespace

void show_state(std::ostream &os, const std::string &format, const Machine &m, const Event &e) {
  const World &w = m.world();
  if (format == "mermaid") {
    MermaidOptions opts;
    opts.thread = e.thread;
    os << render_mermaid_step(w, e.message, opts);
  } else if (format == "dot") {
    os << "// " << e.message << "\n" << titled_dot(w, e.message);
  } else if (format == "tikz") {
    os << "% " << e.message << "\n" << render_tikz_document(w);
  } else if (format == "json") {
    os << nlohmann::json{{"step", e.step},
                         {"line", e.line},
                         {"message", e.message},
                         {"state", state_to_json(w)}}
              .dump()
       << "\n";
  } else {
    os << "== " << e.message << " ==\n" << render_text(w);
  }
}

namespace {
// FrankenScript's text for an error code (docs/semantics.md 6), so that a FrankenScript-style
// mermaid.md written by the model reads back as the same code (the direct write's two texts are
// swapped in FrankenScript; the replay importer maps them back).
std::string frankenscript_text(const RuleError &err) {
  switch (err.code) {
    case ErrorCode::E_IMMUTABLE:
      return "Cannot mutate immutable object";
    case ErrorCode::E_OPAQUE:
      return "Cannot access data on a cown that is not aquired";
    case ErrorCode::E_OTHER_REGION:
      return "Cannot reference region since it already has a parent";
    case ErrorCode::E_HAS_PARENT:
      return "Cannot reference an object from another region";
    case ErrorCode::E_CYCLE:
      return "Cycle created in region hierarchy";
    case ErrorCode::E_NOT_BRIDGE:
      return "Object is not the bridge object of the region";
    case ErrorCode::E_NOT_FREE:
      return "A cown can only be created from a free region";
    case ErrorCode::E_NOT_REGION:
      return "Argument is not a region";
    case ErrorCode::E_NOT_PARENT:
      return "Sink is not a parent of source";
    case ErrorCode::E_DISSOLVE_CHILD:
      return "Can't dissolve a region that is the child of another";
    case ErrorCode::E_CLOSE_PROTO:
      return "Can't close the region due to this prototype";
    case ErrorCode::E_UNDEFINED:
      return "The name is undefined in the current frame";
    case ErrorCode::E_NONE_ACCESS:
      return "Tried to access the field on `None`";
    case ErrorCode::E_NO_VALUE:
      return "Interpreter: The stack is too small";
    case ErrorCode::E_NOT_COWN:
      return "The given object is not a cown";
    case ErrorCode::E_BAD_KEY:
      return "Key must be a string.";
    case ErrorCode::E_NOT_FUNCTION:
      return "Object is not a function";
    case ErrorCode::E_UNREACHABLE:
      return "unreachable";
    default:
      return err.message;
  }
}
} // namespace

void show_rejection(std::ostream &os, const std::string &format, const Machine &m,
                    const RuleError &err) {
  const World &w = m.world();
  if (format == "mermaid") {
    MermaidOptions opts;
    opts.thread = m.last_event().thread;
    opts.roots = mermaid_error_roots(w, opts.thread, err.objects);
    opts.error = err.objects;
    os << render_mermaid_step(w, "Error: " + frankenscript_text(err), opts);
  } else if (format == "dot") {
    std::string title = "rejected at line " + std::to_string(err.line) + ": " + err.message;
    os << "// " << title << "\n" << titled_dot(w, title);
  } else if (format == "tikz") {
    os << "% rejected at line " << err.line << ": " << err.message << "\n"
       << render_tikz_document(w);
  } else if (format == "json") {
    os << nlohmann::json{{"step", m.steps()},
                         {"line", err.line},
                         {"error", error_json(err)},
                         {"state", state_to_json(w)}}
              .dump()
       << "\n";
  } else {
    os << "== rejected at line " << err.line << " ==\n" << render_text(w);
  }
}

// The trace of a run: one event per statement boundary (with the thread that ran it), and the
// behaviours' lives derived from the threads between two boundaries (a new thread: spawn; Waiting
// to Running: acquire; to Done: release). Under --schedules all the machine explores schedules
// depth first and the observer sees every one: events are kept per path position (Event::seq)
// and only the reported schedule's path is written, at the end.
struct NativeTraceWriter::Impl {
  AtomicFile file; // <path>.<pid>.<n>.tmp, renamed to the path by close()
  std::unique_ptr<traces::NativeTraceWriter> writer;
  uint64_t step = 0;
  bool buffered = false;
  struct Entry {
    std::vector<traces::TraceEvent> events; // derived behaviour events, then the statement
    std::vector<ThreadStatus> after;        // the threads after it
  };
  std::vector<Entry> path; // buffered: entry n-1 is the event with seq n
  std::vector<ThreadStatus> last{ThreadStatus::Running}; // streaming: after the last event

  static std::vector<ThreadStatus> statuses(const World &w) {
    std::vector<ThreadStatus> out;
    for (const Thread &t : w.threads)
      out.push_back(t.status);
    return out;
  }
  const std::vector<ThreadStatus> &before(uint64_t seq) const {
    static const std::vector<ThreadStatus> start{ThreadStatus::Running};
    if (!buffered) return last;
    return seq >= 2 && seq - 2 < path.size() ? path[seq - 2].after : start;
  }
  /// The behaviour events between `was` and the machine's threads now.
  static std::vector<traces::TraceEvent> lives(const Machine &m,
                                               const std::vector<ThreadStatus> &was) {
    std::vector<traces::TraceEvent> out;
    const World &w = m.world();
    for (uint32_t k = 1; k < w.threads.size(); ++k) {
      const Thread &t = w.threads[k];
      ThreadStatus old = ThreadStatus::Waiting;
      if (k >= was.size()) {
        traces::TraceEvent sp;
        sp.event = traces::TraceEventKind::Spawn;
        sp.thread = t.spawned_by;
        sp.behaviour = k;
        sp.line = t.spawn_line;
        for (const WhenInfo &wi : m.program().whens)
          if (wi.line == t.spawn_line) {
            for (Symbol c : wi.cowns)
              sp.cowns.push_back(std::string(symbol_name(c)));
            for (Symbol c : wi.captures)
              sp.captures.push_back(std::string(symbol_name(c)));
            break;
          }
        out.push_back(std::move(sp));
      } else {
        old = was[k];
      }
      auto life = [&](traces::TraceEventKind kind) {
        traces::TraceEvent e;
        e.event = kind;
        e.thread = k;
        e.behaviour = k;
        e.line = t.spawn_line;
        out.push_back(std::move(e));
      };
      if (old == ThreadStatus::Waiting && t.status != ThreadStatus::Waiting)
        life(traces::TraceEventKind::Acquire);
      if (old != ThreadStatus::Done && t.status == ThreadStatus::Done)
        life(traces::TraceEventKind::Release);
    }
    return out;
  }
  void emit(traces::TraceEvent e) {
    e.step = ++step;
    writer->write(e);
  }
  void add(uint64_t seq, std::vector<traces::TraceEvent> events, const World &w) {
    if (!buffered) {
      for (auto &e : events)
        emit(std::move(e));
      last = statuses(w);
      return;
    }
    if (seq == 0) seq = path.size() + 1;
    path.resize(seq - 1);
    path.push_back(Entry{std::move(events), statuses(w)});
  }
};

NativeTraceWriter::NativeTraceWriter() : impl_(std::make_unique<Impl>()) {}
NativeTraceWriter::~NativeTraceWriter() = default;

bool NativeTraceWriter::open(const std::string &path, Profile profile,
                             const std::string &program_file, const std::string &program_text,
                             bool all_schedules, std::string &error) {
  if (!impl_->file.open(path, error)) {
    error = "trace file: " + error;
    return false;
  }
  traces::TraceHeader header;
  header.runtime = "lungfish";
  header.profile = std::string(profile_name(profile));
  header.program_file = program_file;
  header.program_text = program_text;
  impl_->buffered = all_schedules;
  impl_->writer = std::make_unique<traces::NativeTraceWriter>(impl_->file.stream(), header);
  return true;
}

namespace {
// "Line 4: r.f = x (True)" -> "r.f = x": the statement as the program text has it.
std::string statement_text(const std::string &message) {
  std::string text = message;
  if (text.rfind("Line ", 0) == 0) {
    auto colon = text.find(": ");
    if (colon != std::string::npos) text = text.substr(colon + 2);
  }
  for (const char *m : {" (True)", " (False)", " (Next)", " (Break)", " (Enter)", " (Exit)"})
    if (text.size() > std::strlen(m) && text.ends_with(m))
      text.resize(text.size() - std::strlen(m));
  return text;
}
} // namespace

void NativeTraceWriter::statement(const Machine &m, const Event &e) {
  if (!impl_->writer) return;
  auto events = Impl::lives(m, impl_->before(e.seq));
  traces::TraceEvent ev;
  ev.thread = e.thread;
  ev.line = e.line;
  ev.message = e.message;
  ev.stmt = statement_text(e.message);
  ev.outcome = "ok";
  ev.snapshot = traces::snapshot_of(m.world(), e.thread);
  events.push_back(std::move(ev));
  impl_->add(e.seq, std::move(events), m.world());
}

void NativeTraceWriter::end(const Machine &m, Outcome outcome, const std::string &detail,
                            bool leak) {
  if (!impl_->writer) return;
  Impl &im = *impl_;
  if (im.buffered) {
    if (im.path.size() > m.statement_events()) im.path.resize(m.statement_events());
    for (auto &entry : im.path)
      for (auto &e : entry.events)
        im.emit(std::move(e));
    if (!im.path.empty()) im.last = im.path.back().after;
    im.path.clear();
  }
  for (auto &e : Impl::lives(m, im.last))
    im.emit(std::move(e));
  uint32_t t = m.current_thread();
  if (outcome == Outcome::Rejected && m.error()) {
    const RuleError &err = *m.error();
    std::string message = m.current_statement(t);
    traces::TraceEvent ev;
    ev.thread = t;
    ev.line = err.line;
    ev.message = message.empty() ? "Error: " + err.message : message;
    ev.stmt = message.empty() ? "" : statement_text(message);
    ev.outcome = std::string(error_code_name(err.code));
    ev.detail = err.message;
    im.emit(std::move(ev));
  }
  traces::TraceEvent end;
  end.event = traces::TraceEventKind::End;
  end.thread = t;
  switch (outcome) {
    case Outcome::Ok:
      end.outcome = "ok";
      break;
    case Outcome::Rejected:
      end.outcome = m.error() ? std::string(error_code_name(m.error()->code)) : "ok";
      break;
    case Outcome::Violation:
      end.outcome = leak ? "leak" : "violation";
      break;
    case Outcome::Limit:
      end.outcome = "limit";
      break;
  }
  end.detail = detail;
  im.emit(std::move(end));
}

bool NativeTraceWriter::close(std::string &error) {
  if (!impl_->writer) return true;
  impl_->writer.reset();
  if (!impl_->file.commit(error)) {
    error = "trace file: " + error;
    return false;
  }
  return true;
}

nlohmann::json error_json(const RuleError &err) {
  return {{"code", error_code_name(err.code)},
          {"rule", rule_info(err.rule).name},
          {"line", err.line},
          {"message", err.message}};
}

nlohmann::json violation_json(const State &h, const FoundViolation &f) {
  nlohmann::json objects = nlohmann::json::array(), regions = nlohmann::json::array();
  for (ObjectId o : f.violation.witness.objects)
    objects.push_back(object_serial(h, o));
  for (RegionId r : f.violation.witness.regions)
    regions.push_back(region_serial(h, r));
  return {{"invariant", invariant_name(f.violation.invariant)},
          {"line", f.line},
          {"event", f.event},
          {"message", f.violation.message},
          {"witness",
           {{"objects", objects}, {"regions", regions}, {"path", f.violation.witness.path}}}};
}

namespace {

/// The column of the statement that starts on `line` (1 if none is found).
uint32_t column_of(const std::vector<Stmt> &body, uint32_t line) {
  for (const Stmt &s : body) {
    if (s.loc.line == line) return s.loc.col ? s.loc.col : 1;
    for (const std::vector<Stmt> *b : {&s.body, &s.orelse})
      if (uint32_t c = column_of(*b, line)) return c;
  }
  return 0;
}

/// `file:line:col: ` (an editor jumps there), or `line N: ` without a file.
std::string where(const Machine &m, const std::string &file, uint32_t line) {
  if (file.empty()) return "line " + std::to_string(line) + ": ";
  uint32_t col = column_of(m.program().ast.body, line);
  return file + ":" + std::to_string(line) + ":" + std::to_string(col ? col : 1) + ": ";
}

/// The history of object `o` (created, moved, frozen, sent ...), one indented line each.
void print_history(std::ostream &os, const Machine &m, ObjectId o) {
  const State &h = m.heap();
  if (!h.is_live(o)) return;
  os << "  object " << object_name(h, o) << ": " << m.describe(o) << "\n";
  for (const HistoryEntry &he : m.history())
    if (!he.region && he.serial == object_serial(h, o))
      os << "    line " << he.line << ": " << he.what << "\n";
}

} // namespace

void print_text_report(std::ostream &os, const Machine &m, Outcome outcome,
                       const std::vector<FoundViolation> &found, const std::string &file,
                       bool all_schedules) {
  const State &h = m.heap();
  if (outcome == Outcome::Rejected && m.error()) {
    const RuleError &err = *m.error();
    os << where(m, file, err.line) << "rejected: " << rule_info(err.rule).name << " ("
       << error_code_name(err.code) << "): " << err.message << "\n";
    for (ObjectId o : err.objects)
      print_history(os, m, o);
    for (RegionId r : err.regions)
      os << "  region " << region_name(h, r) << ": " << m.describe_region(r) << "\n";
  }
  for (const FoundViolation &f : found) {
    os << where(m, file, f.line) << "violation (" << f.event_message
       << "): " << format_violation(m.world(), f.violation) << "\n";
    if (!f.violation.witness.path.empty()) os << "  path: " << f.violation.witness.path << "\n";
    // The objects of the witness with their histories, as a rejection names its objects.
    for (ObjectId o : f.violation.witness.objects)
      print_history(os, m, o);
  }
  // The machine's own options say Default once a leaf schedule ran: the caller says.
  if (all_schedules) {
    os << "schedules explored: " << m.schedules_explored() << "\n";
    if (outcome != Outcome::Ok) {
      os << "schedule:";
      for (uint32_t t : m.schedule())
        os << " " << t;
      os << "\n";
    }
  }
  os << "outcome: " << outcome_name(outcome) << " (" << plural_steps(m.steps()) << ")\n";
}

nlohmann::json json_report(const Machine &m, Outcome outcome,
                           const std::vector<FoundViolation> &found) {
  nlohmann::json violations = nlohmann::json::array();
  for (const FoundViolation &f : found)
    violations.push_back(violation_json(m.heap(), f));
  nlohmann::json error = nullptr;
  if (outcome == Outcome::Rejected && m.error()) error = error_json(*m.error());
  nlohmann::json state = state_to_json(m.world());
  // A run that ended `ok` ran the main program to its end: its thread is done, although the
  // machine keeps its activation (the globals' frame) for the final state.
  if (outcome == Outcome::Ok && state.contains("threads"))
    for (nlohmann::json &t : state["threads"])
      if (t["id"] == 0) t["status"] = "done";
  return {{"outcome", outcome_name(outcome)},
          {"steps", m.steps()},
          {"error", error},
          {"violations", violations},
          {"state", state}};
}

} // namespace lungfish::cli

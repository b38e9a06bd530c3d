// The machine: dispatch of primitives, calls, scheduling and the end of a run (see machine.h).
#include "model/machine_impl.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace lungfish {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Ok:
      return "ok";
    case Outcome::Rejected:
      return "rejected";
    case Outcome::Violation:
      return "violation";
    case Outcome::Limit:
      return "limit";
  }
  return "?";
}

Machine::Machine(std::shared_ptr<const CompiledProgram> program, MachineOptions options)
    : program_(std::move(program)), options_(std::move(options)) {
  State &h = world_.heap;
  ObjectId frame = h.new_object(ObjectKind::Frame, Location::local(0), 0);
  h.obj(frame).rc = 1; // held by the main thread's call stack
  h.obj(frame).proto = h.builtin_proto(BuiltinProto::Frame);
  h.obj(h.obj(frame).proto).rc++;
  h.obj(h.obj(frame).proto).local_rc++;
  Thread main;
  main.local = 0;
  main.status = ThreadStatus::Running;
  Activation act;
  act.frame = frame;
  act.function = 0;
  main.calls.push_back(act);
  world_.threads.push_back(std::move(main));
  started_ = std::chrono::steady_clock::now();
}

// ---------------------------------------------------------------------------------------------
// Impl helpers

void Machine::Impl::reject(RuleId rule, std::string message, std::vector<ObjectId> objects,
                           std::vector<RegionId> regions) {
  const RuleInfo &info = rule_info(rule);
  // A switchable rule raised here could not be switched off: its site must use check_failed.
  assert(!info.switchable && "a switchable rule is raised with check_failed");
  throw Rejection{RuleError{rule, info.code, line(), std::move(message), std::move(objects),
                            std::move(regions)}};
}

void Machine::Impl::check_failed(RuleId rule, std::string message, std::vector<ObjectId> objects,
                                 std::vector<RegionId> regions) {
  const RuleInfo &info = rule_info(rule);
  // A language error raised here would be switched off with the checks: use reject.
  assert(info.switchable && "a language error is raised with reject");
  if (off(rule)) return;
  throw Rejection{RuleError{rule, info.code, line(), std::move(message), std::move(objects),
                            std::move(regions)}};
}

void Machine::Impl::history(ObjectId o, std::string what) {
  if (!m.options_.record_history || o == kNone) return;
  m.history_.push_back(HistoryEntry{h.obj(o).serial, false, line(), std::move(what)});
  if (m.history_.size() > m.history_limit_) m.compact_history();
}

void Machine::Impl::region_history(RegionId r, std::string what) {
  if (!m.options_.record_history || r == kNoRegion) return;
  m.history_.push_back(HistoryEntry{h.region(r).serial, true, line(), std::move(what)});
  if (m.history_.size() > m.history_limit_) m.compact_history();
}

void Machine::compact_history() {
  // Reports name live objects and regions, or ones that just died: keep every entry of the
  // living and the most recent entries of anything.
  constexpr size_t kRecent = 4096;
  const State &h = world_.heap;
  std::unordered_set<uint64_t> live_objects, live_regions;
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_live(o)) live_objects.insert(h.obj(o).serial);
  for (RegionId r = 1; r < h.region_end(); ++r)
    if (h.is_live_region(r)) live_regions.insert(h.region(r).serial);
  size_t recent_from = history_.size() > kRecent ? history_.size() - kRecent : 0, kept = 0;
  for (size_t k = 0; k < history_.size(); ++k) {
    const HistoryEntry &e = history_[k];
    bool live = e.region ? live_regions.count(e.serial) : live_objects.count(e.serial);
    if (live || k >= recent_from) history_[kept++] = std::move(history_[k]);
  }
  history_.resize(kept);
  history_limit_ = 2 * kept + 8192;
}

void Machine::Impl::push(ObjectId v) {
  thread().stack.push_back(v);
  inc_ref(v, local());
}

ObjectId Machine::Impl::pop_keep() {
  ObjectId v = thread().stack.back();
  thread().stack.pop_back();
  return v;
}

void Machine::Impl::pop_release() {
  ObjectId v = pop_keep();
  dec_ref(v, local());
}

ObjectId Machine::Impl::new_string(Symbol text) {
  ObjectId o = h.new_object(ObjectKind::String, local(), line());
  h.obj(o).payload = text;
  h.obj(o).proto = h.builtin_proto(BuiltinProto::String);
  inc_ref(h.obj(o).proto, local());
  return o;
}

// ---------------------------------------------------------------------------------------------
// Calls

void Machine::Impl::call(Symbol name, uint32_t argc, bool wants, bool method) {
  ObjectId fn = kNone;
  if (method) {
    ObjectId receiver = thread().stack[thread().stack.size() - argc];
    check_live(receiver);
    if (receiver == kNone)
      reject(RuleId::ReadNoneAccess, "tried to call method `" + symbol_name(name) + "` on None");
    bool found = false;
    ObjectId p = receiver;
    for (size_t guard = 0; p != kNone && guard <= h.object_end(); ++guard) {
      if (is_opaque_cown(p))
        check_failed(RuleId::ReadOpaque, "method lookup passes " + opaque_cown_text(p), {p});
      if (const Field *f = h.find_field(p, name)) {
        fn = f->value;
        found = true;
        break;
      }
      p = h.obj(p).proto;
    }
    if (!found)
      reject(RuleId::ReadUndefinedField,
             "the field `" + symbol_name(name) + "` is not defined on " + m.describe(receiver),
             {receiver});
  } else {
    const Field *f = h.find_field(frame(), name);
    if (!f) f = h.find_field(global_frame(), name);
    if (!f) {
      if (auto b = find_builtin(symbol_name(name))) {
        builtin(*b, argc, wants, name);
        return;
      }
      reject(RuleId::CallUndefined,
             "The name `" + symbol_name(name) + "` is undefined in the current and global frame");
    }
    fn = f->value;
  }
  check_live(fn);
  if (fn == kNone || h.obj(fn).kind != ObjectKind::Function)
    reject(RuleId::CallNotFunction, symbol_name(name) + " is not a function", {fn});
  const Function &f = m.program_->functions[h.obj(fn).payload];
  if (f.params.size() != argc)
    reject(RuleId::CallArity, f.name + " takes " + std::to_string(f.params.size()) +
                                  " argument(s), " + std::to_string(argc) + " given");
  enter(h.obj(fn).payload, fn, argc, wants);
}

void Machine::Impl::enter(uint32_t function, ObjectId, uint32_t argc, bool wants) {
  const Function &f = m.program_->functions[function];
  ObjectId caller = frame();
  ObjectId callee = h.new_object(ObjectKind::Frame, local(), line());
  h.obj(callee).rc = 1; // held by the call stack
  h.obj(callee).proto = h.builtin_proto(BuiltinProto::Frame);
  inc_ref(h.obj(callee).proto, local());
  h.set_field_raw(callee, intern("__parent__"), caller);
  inc_ref(caller, local());
  // Arguments become variables: their stack slots turn into frame fields (LOCAL to LOCAL).
  for (uint32_t i = argc; i-- > 0;)
    h.set_field_raw(callee, f.params[i], pop_keep());
  Activation act;
  act.frame = callee;
  act.function = function;
  act.pc = 0;
  act.stack_base = static_cast<uint32_t>(thread().stack.size());
  act.wants_value = wants;
  act.call_line = line();
  thread().calls.push_back(act);
}

void Machine::Impl::ret(bool has_value) {
  Thread &t = thread();
  Activation act = t.calls.back();
  if (act.wants_value && !has_value) {
    m.current_line_ = act.call_line; // the error belongs to the call that uses the value
    reject(RuleId::CallNoValue,
           m.program_->functions[act.function].name + " returned no value but its result is used");
  }
  ObjectId v = has_value ? pop_keep() : kNone;
  while (t.stack.size() > act.stack_base)
    pop_release();
  t.calls.pop_back();
  Object &fr = h.obj(act.frame);
  fr.rc--; // the call stack's hold
  if (fr.rc == 0) free_unreferenced(act.frame);
  if (t.calls.empty()) { // the end of a behaviour: its LOCAL is discarded, its cowns released
    dec_ref(v, local());
    t.status = ThreadStatus::Done;
    discard_local(t.local);
    for (ObjectId c : t.cowns)
      if (h.is_live(c) && h.obj(c).kind == ObjectKind::Cown) h.obj(c).status = CownStatus::Released;
    return;
  }
  if (act.wants_value)
    t.stack.push_back(v);
  else
    dec_ref(v, local());
}

// ---------------------------------------------------------------------------------------------
// One primitive

namespace {
enum class StepResult { Continue, Statement, ThreadDone, MainDone, Stop, Entered, Yielded };
}

struct Stepper {
  static StepResult exec(Machine &m, uint32_t t, Event &event);
};

StepResult Stepper::exec(Machine &m, uint32_t t, Event &event) {
  Machine::Impl im(m);
  m.current_thread_ = t;
  Thread &th = m.world_.threads[t];
  Activation &act = th.calls.back();
  const Function &fn = m.program_->functions[act.function];
  const Instr in = fn.code[act.pc];
  m.current_line_ = in.line;
  if (m.options_.max_steps && m.steps_ >= m.options_.max_steps) {
    m.limit_hit_ = true;
    return StepResult::Stop;
  }
  if (m.options_.timeout_seconds > 0 && (m.steps_ & 1023) == 0) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m.started_).count();
    if (elapsed > m.options_.timeout_seconds) {
      m.limit_hit_ = true;
      return StepResult::Stop;
    }
  }
  ++m.steps_;
  act.pc++;
  static const bool trace_ops = std::getenv("LUNGFISH_TRACE_OPS") != nullptr;
  if (trace_ops)
    std::fprintf(stderr, "[op] thread %u fn %u pc %u %s a=%u stack=%zu\n", t, act.function,
                 act.pc - 1, std::string(op_name(in.op)).c_str(), in.a, th.stack.size());
  StepResult result = StepResult::Continue;
  State &h = m.world_.heap;
  try {
    switch (in.op) {
      case Op::PushNone:
        im.push(kNone);
        break;
      case Op::PushTrue:
        im.push(h.true_object());
        break;
      case Op::PushFalse:
        im.push(h.false_object());
        break;
      case Op::NewObject: {
        ObjectId o = h.new_object(ObjectKind::Plain, im.local(), in.line);
        im.history(o, "created");
        im.push(o);
        break;
      }
      case Op::NewString:
        im.push(im.new_string(in.a));
        break;
      case Op::LoadVar: {
        const Field *f = h.find_field(im.frame(), in.a);
        if (!f)
          im.reject(RuleId::ReadUndefinedName,
                    "The name " + symbol_name(in.a) + " is undefined in the current frame");
        im.check_live(f->value);
        im.push(f->value);
        break;
      }
      case Op::LoadField:
        im.load_field(in.a, false);
        break;
      case Op::LoadIndex:
        im.load_field(0, true);
        break;
      case Op::StoreVar: {
        ObjectId v = im.pop_keep();
        ObjectId fr = im.frame();
        const Field *f = h.find_field(fr, in.a);
        ObjectId old = f ? f->value : kNone;
        h.set_field_raw(fr, in.a, v);
        im.dec_ref(old, im.local(), fr);
        break;
      }
      case Op::StoreField:
        im.store_field(in.a, false, false);
        break;
      case Op::StoreIndex:
        im.store_field(0, true, false);
        break;
      case Op::StoreProto:
        im.store_field(intern("__proto__"), false, true);
        break;
      case Op::SwapVar: {
        ObjectId fr = im.frame();
        const Field *f = h.find_field(fr, in.a);
        ObjectId old = f ? f->value : kNone;
        h.set_field_raw(fr, in.a, kNone);
        th.stack.push_back(old); // the variable's reference becomes the slot's
        break;
      }
      case Op::SwapField:
        im.swap_field(in.a, false);
        break;
      case Op::SwapIndex:
        im.swap_field(0, true);
        break;
      case Op::Eq:
      case Op::Ne: {
        bool same = im.peek(0) == im.peek(1);
        bool value = in.op == Op::Eq ? same : !same;
        im.push(value ? h.true_object() : h.false_object());
        im.drop_below(2);
        break;
      }
      case Op::JumpIfFalse: {
        ObjectId v = im.peek(0);
        im.pop_release();
        if (v != h.true_object()) act.pc = in.a;
        break;
      }
      case Op::Jump:
        act.pc = in.a;
        break;
      case Op::Call:
        im.call(in.a, in.b, in.c != 0, false);
        break;
      case Op::CallMethod:
        im.call(in.a, in.b, in.c != 0, true);
        break;
      case Op::Return:
        im.ret(in.a != 0);
        if (th.status == ThreadStatus::Done) result = StepResult::ThreadDone;
        break;
      case Op::Pop:
        im.pop_release();
        break;
      case Op::Statement:
        event = Event{
            EventKind::Statement, in.line, m.program_->statements[in.a].message, t, m.steps_, in.a,
            ++m.statement_events_};
        result = StepResult::Statement;
        break;
      case Op::IterNew: {
        ObjectId o = im.peek(0);
        im.check_live(o);
        if (o == kNone) im.reject(RuleId::ForNoneAccess, "cannot iterate over None");
        // An iterator over a Released cown is made; its first turn fails (below), as in
        // FrankenScript (decision 23).
        ObjectId it = h.new_object(ObjectKind::Iterator, im.local(), in.line);
        h.obj(it).proto = h.builtin_proto(BuiltinProto::KeyIterator);
        im.inc_ref(h.obj(it).proto, im.local());
        h.set_field_raw(it, intern("source"), im.pop_keep()); // slot becomes the field
        im.push(it);
        break;
      }
      case Op::IterNext: {
        ObjectId it = im.peek(0);
        const Field *src = h.find_field(it, intern("source"));
        if (src && h.is_live(src->value) && im.is_opaque_cown(src->value))
          im.check_failed(RuleId::ForOpaque,
                          "cannot iterate over " + im.opaque_cown_text(src->value), {src->value});
        if (h.obj(it).payload == kIteratorSourceClosed)
          im.reject(RuleId::ForNoneAccess,
                    "the loop's object was closed while keys were left: its next value "
                    "cannot be read");
        Symbol last = h.obj(it).payload, next = 0;
        if (src && h.is_live(src->value))
          for (const Field &f : h.obj(src->value).fields)
            if (last == 0 || compare_symbols(f.name, last) > 0) {
              next = f.name;
              break;
            }
        h.obj(it).payload = next;
        im.push(next ? im.new_string(next) : kNone);
        im.drop_below(1);
        break;
      }
      case Op::DefFunction: {
        ObjectId f = h.new_object(ObjectKind::Function, im.local(), in.line);
        h.obj(f).payload = in.a;
        h.obj(f).proto = h.builtin_proto(BuiltinProto::Function);
        im.inc_ref(h.obj(f).proto, im.local());
        im.push(f);
        break;
      }
      case Op::Spawn:
        im.spawn(m.program_->whens[in.a]);
        break;
      case Op::Halt:
        act.pc--; // stay on Halt
        m.finished_main_ = true;
        result = StepResult::MainDone;
        break;
      case Op::External:
        act.pc--; // the body's statements come from outside
        result = StepResult::Entered;
        break;
      case Op::Yield:
        act.pc--;
        result = StepResult::Yielded;
        break;
    }
    im.end_of_primitive();
  } catch (Rejection &r) {
    act.pc--; // the primitive did not happen
    m.error_ = std::move(r.error);
    return StepResult::Stop;
  }
  if (m.dangling_) return StepResult::Stop;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Replay support

std::pair<uint32_t, uint32_t> Machine::redirect(uint32_t t, uint32_t function) {
  Activation &a = world_.threads[t].calls.back();
  std::pair<uint32_t, uint32_t> saved{a.function, a.pc};
  a.function = function;
  a.pc = 0;
  return saved;
}

void Machine::restore(uint32_t t, std::pair<uint32_t, uint32_t> saved) {
  Activation &a = world_.threads[t].calls.back();
  a.function = saved.first;
  a.pc = saved.second;
}

Machine::Pause Machine::run_until_pause(uint32_t t, Event &event) {
  for (;;) {
    StepResult r = Stepper::exec(*this, t, event);
    switch (r) {
      case StepResult::Continue:
        continue;
      case StepResult::Statement:
        last_event_ = event;
        written_cowns_.clear();
        return Pause::Statement;
      case StepResult::Entered:
        return Pause::Entered;
      case StepResult::Yielded:
      case StepResult::MainDone:
      case StepResult::ThreadDone:
        return Pause::Yielded;
      case StepResult::Stop:
        return Pause::Stopped;
    }
  }
}

void Machine::adopt(World w) {
  for (size_t t = 0; t < w.threads.size() && t < world_.threads.size(); ++t) {
    auto &to = w.threads[t].calls;
    const auto &from = world_.threads[t].calls;
    for (size_t d = 0; d < to.size() && d < from.size(); ++d) {
      ObjectId frame = to[d].frame;
      uint32_t base = to[d].stack_base;
      to[d] = from[d];
      to[d].frame = frame;
      to[d].stack_base = base;
    }
  }
  w.implicit_freezing = w.implicit_freezing || world_.implicit_freezing; // not drawn by runtimes
  world_ = std::move(w);
  cowns_.clear();
  for (ObjectId o = 1; o < world_.heap.object_end(); ++o)
    if (world_.heap.is_live(o) && world_.heap.obj(o).kind == ObjectKind::Cown) cowns_.push_back(o);
  collect_candidates_.clear();
  error_.reset();
  dangling_.reset();
}

bool Machine::return_from(uint32_t t, bool has_value) {
  Impl im(*this);
  current_thread_ = t;
  try {
    if (has_value) {
      const Field *f = world_.heap.find_field(im.frame(), intern("return"));
      im.push(f ? f->value : kNone);
    }
    im.ret(has_value);
    im.end_of_primitive();
  } catch (Rejection &r) {
    error_ = std::move(r.error);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

bool Machine::step_thread(uint32_t t, const Observer &observer) {
  Event event;
  StepResult r = Stepper::exec(*this, t, event);
  if (r == StepResult::Stop) return false;
  if (r == StepResult::Statement) {
    last_event_ = event;
    bool ok = !observer || observer(*this, event);
    written_cowns_.clear();
    if (!ok) return false;
  }
  return true;
}

namespace {
bool shares_cown(const Thread &a, const Thread &b) {
  for (ObjectId c : a.cowns)
    if (std::find(b.cowns.begin(), b.cowns.end(), c) != b.cowns.end()) return true;
  return false;
}
} // namespace

// Behaviours that may start now: Waiting, all cowns Released, and no earlier unfinished behaviour
// shares a cown (behaviours on a common cown keep spawn order). `first_only`: stop at the first.
static std::vector<uint32_t> startable(const World &w, bool first_only = false) {
  std::vector<uint32_t> out;
  for (uint32_t k = 1; k < w.threads.size(); ++k) {
    const Thread &t = w.threads[k];
    if (t.status != ThreadStatus::Waiting) continue;
    bool ok = true;
    for (ObjectId c : t.cowns)
      if (!w.heap.is_live(c) || w.heap.obj(c).status != CownStatus::Released) ok = false;
    for (uint32_t j = 1; j < k && ok; ++j)
      if (w.threads[j].status != ThreadStatus::Done && shares_cown(w.threads[j], t)) ok = false;
    if (ok) out.push_back(k);
    if (ok && first_only) break;
  }
  return out;
}

static void begin_behaviour(World &w, uint32_t k) {
  Thread &t = w.threads[k];
  t.status = ThreadStatus::Running;
  for (ObjectId c : t.cowns)
    w.heap.obj(c).status = CownStatus::Acquired;
}

std::string Machine::current_statement(uint32_t t) const {
  if (t >= world_.threads.size() || world_.threads[t].calls.empty()) return "";
  const Activation &a = world_.threads[t].calls.back();
  const Function &f = program_->functions[a.function];
  for (uint32_t pc = a.pc; pc < f.code.size(); ++pc)
    if (f.code[pc].op == Op::Statement) return program_->statements[f.code[pc].a].message;
  return "";
}

bool Machine::start_behaviour(uint32_t k) {
  auto ready = startable(world_);
  if (std::find(ready.begin(), ready.end(), k) == ready.end()) return false;
  begin_behaviour(world_, k);
  schedule_.push_back(k);
  return true;
}

Outcome Machine::run(const Observer &observer) {
  return options_.schedules == ScheduleMode::All ? run_all(observer) : run_default(observer);
}

namespace {
Outcome stopped(const Machine &m, bool limit) {
  if (m.error()) return Outcome::Rejected;
  if (limit) return Outcome::Limit;
  return Outcome::Violation;
}
} // namespace

Outcome Machine::run_default(const Observer &observer) {
  while (!finished_main_)
    if (!step_thread(0, observer)) return stopped(*this, limit_hit_);
  for (;;) {
    auto ready = startable(world_, true); // the default schedule starts the first only
    if (ready.empty()) break;
    uint32_t k = ready.front();
    begin_behaviour(world_, k);
    schedule_.push_back(k);
    while (world_.threads[k].status != ThreadStatus::Done)
      if (!step_thread(k, observer)) return stopped(*this, limit_hit_);
  }
  for (uint32_t k = 1; k < world_.threads.size(); ++k)
    if (world_.threads[k].status == ThreadStatus::Waiting) {
      error_ = RuleError{RuleId::ScheduleStuck,
                         ErrorCode::E_STUCK,
                         world_.threads[k].spawn_line,
                         "the behaviour spawned at line " +
                             std::to_string(world_.threads[k].spawn_line) +
                             " can never acquire its cowns (one is still Pending)",
                         world_.threads[k].cowns,
                         {}};
      return Outcome::Rejected;
    }
  return finish(observer) ? Outcome::Ok : Outcome::Violation;
}

Outcome Machine::run_all(const Observer &observer) {
  while (!finished_main_)
    if (!step_thread(0, observer)) return stopped(*this, limit_hit_);
  // Depth-first over the choices at every statement boundary of the behaviours.
  std::vector<uint32_t> choices;
  for (uint32_t k = 1; k < world_.threads.size(); ++k)
    if (world_.threads[k].status == ThreadStatus::Running) choices.push_back(k);
  for (uint32_t k : startable(world_))
    choices.push_back(k);
  if (choices.empty()) {
    ++schedules_explored_;
    Machine leaf = *this;
    leaf.options_.schedules = ScheduleMode::Default;
    Outcome o = leaf.run_default(observer);
    *this = std::move(leaf);
    return o;
  }
  uint64_t explored = schedules_explored_;
  for (size_t i = 0; i < choices.size(); ++i) {
    uint32_t k = choices[i];
    Machine next = *this;
    next.schedules_explored_ = explored;
    if (next.world_.threads[k].status == ThreadStatus::Waiting) begin_behaviour(next.world_, k);
    next.schedule_.push_back(k);
    bool stop = false;
    // One statement of behaviour k.
    for (;;) {
      Event event;
      StepResult r = Stepper::exec(next, k, event);
      if (r == StepResult::Stop) {
        stop = true;
        break;
      }
      if (r == StepResult::ThreadDone) break;
      if (r == StepResult::Statement) {
        next.last_event_ = event;
        bool ok = !observer || observer(next, event);
        next.written_cowns_.clear();
        if (!ok) {
          stop = true;
          break;
        }
        break;
      }
    }
    Outcome o = stop ? stopped(next, next.limit_hit_) : next.run_all(observer);
    explored = next.schedules_explored_;
    if (o != Outcome::Ok || explored >= options_.max_schedules) {
      *this = std::move(next);
      if (o == Outcome::Ok && schedules_explored_ >= options_.max_schedules) {
        limit_hit_ = true;
        return Outcome::Limit;
      }
      return o;
    }
    if (i + 1 == choices.size()) {
      *this = std::move(next); // keep one complete schedule's final state for reporting
      schedules_explored_ = explored;
      return Outcome::Ok;
    }
  }
  return Outcome::Ok;
}

bool Machine::finish(const Observer &observer) {
  Impl im(*this);
  current_line_ = 0;
  State &h = world_.heap;
  if (options_.profile == Profile::Frankenscript) im.recount_dirty_regions();
  // The final collection traces from the roots: LOCAL cycles are reclaimed; frozen cycles are too
  // in the reference profile (FrankenScript never reclaims them: its leak, I20).
  std::vector<char> marked(h.object_end(), 0);
  std::vector<ObjectId> work;
  auto mark = [&](ObjectId o) {
    if (o != kNone && o < marked.size() && !marked[o] && h.is_live(o)) {
      marked[o] = 1;
      work.push_back(o);
    }
  };
  for (const Thread &t : world_.threads) {
    if (t.status == ThreadStatus::Done) continue;
    for (const Activation &a : t.calls)
      mark(a.frame);
    for (ObjectId s : t.stack)
      mark(s);
  }
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (h.is_global(o)) mark(o);
  while (!work.empty()) {
    ObjectId o = work.back();
    work.pop_back();
    const Object &ob = h.obj(o);
    mark(ob.proto);
    for (const Field &f : ob.fields)
      mark(f.value);
  }
  std::vector<char> region_reached(h.region_end(), 0);
  for (ObjectId o = 1; o < h.object_end(); ++o)
    if (marked[o] && h.obj(o).loc.is_region()) region_reached[h.obj(o).loc.index] = 1;
  std::vector<ObjectId> garbage;
  bool fs = options_.profile == Profile::Frankenscript;
  for (ObjectId o = 1; o < h.object_end(); ++o) {
    if (!h.is_live(o) || marked[o]) continue;
    const Object &ob = h.obj(o);
    bool take = false;
    switch (ob.loc.kind) {
      case LocationKind::Local:
        take = true;
        break;
      case LocationKind::Immutable:
        take = !fs;
        break;
      case LocationKind::Cown:
        take = !fs;
        break;
      case LocationKind::Region:
        take = region_reached[ob.loc.index] && !h.is_bridge(o);
        break;
    }
    if (take) garbage.push_back(o);
  }
  if (!garbage.empty()) {
    // destroy_set is internal to refcount.cc; free them as one unreachable set via a LOCAL sweep.
    std::vector<char> dying(h.object_end(), 0);
    for (ObjectId o : garbage)
      dying[o] = 1;
    for (ObjectId o : garbage) {
      Object &ob = h.obj(o);
      Location loc = ob.loc;
      auto fields = std::move(ob.fields);
      ob.fields.clear();
      ObjectId proto = ob.proto;
      ob.proto = kNone;
      auto release = [&](ObjectId t) {
        if (t == kNone) return;
        if (dying[t]) {
          h.obj(t).rc--;
          if (loc.is_local()) h.obj(t).local_rc--;
        } else {
          im.dec_ref(t, loc, o);
        }
      };
      release(proto);
      for (const Field &f : fields)
        release(f.value);
    }
    for (ObjectId o : garbage)
      if (h.obj(o).live) h.free_object(o);
  }
  im.end_of_primitive();
  Event end{EventKind::End, 0, "end of run", 0, steps_, 0};
  last_event_ = end;
  return !observer || observer(*this, end);
}

// ---------------------------------------------------------------------------------------------
// Names for error messages

std::string Machine::describe(ObjectId o) const {
  const State &h = world_.heap;
  if (o == kNone) return "None";
  if (o == h.true_object()) return "True";
  if (o == h.false_object()) return "False";
  if (h.obj(o).kind == ObjectKind::Prototype) {
    static constexpr std::string_view names[] = {"[Frame]",  "[RegionObject]", "[Cown]",
                                                 "[String]", "[Function]",     "[KeyIterator]"};
    return "the builtin prototype " + std::string(names[h.obj(o).payload % 6]);
  }
  // Breadth-first from the current frame, then the other frames and threads.
  std::unordered_map<ObjectId, std::pair<ObjectId, Symbol>> parent;
  std::deque<ObjectId> queue;
  auto root = [&](ObjectId f) {
    if (f != kNone && !parent.count(f)) {
      parent[f] = {kNone, 0};
      queue.push_back(f);
    }
  };
  if (current_thread_ < world_.threads.size() && !world_.threads[current_thread_].calls.empty())
    root(world_.threads[current_thread_].calls.back().frame);
  for (const Thread &t : world_.threads)
    for (auto it = t.calls.rbegin(); it != t.calls.rend(); ++it)
      root(it->frame);
  size_t budget = 100000;
  bool found = parent.count(o) && o != kNone;
  while (!queue.empty() && !found && budget-- > 0) {
    ObjectId x = queue.front();
    queue.pop_front();
    if (!h.is_live(x)) continue;
    for (const Field &f : h.obj(x).fields) {
      if (f.value == kNone || parent.count(f.value) || h.is_global(f.value)) continue;
      if (symbol_name(f.name) == "__parent__") continue;
      parent[f.value] = {x, f.name};
      if (f.value == o) {
        found = true;
        break;
      }
      queue.push_back(f.value);
    }
  }
  std::string kind(object_kind_name(h.obj(o).kind));
  if (!found || !parent.count(o) || parent[o].first == kNone)
    return kind + " #" + std::to_string(h.obj(o).serial);
  std::vector<std::string> parts;
  for (ObjectId x = o; parent[x].first != kNone; x = parent[x].first)
    parts.push_back(symbol_name(parent[x].second));
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    path += (path.empty() ? "" : ".") + *it;
  return path;
}

std::string Machine::describe_region(RegionId r) const {
  const State &h = world_.heap;
  if (!h.is_live_region(r)) return "region #?";
  const Region &reg = h.region(r);
  std::string b = reg.bridge != kNone ? describe(reg.bridge) : "";
  if (b.empty() || b.find('#') != std::string::npos) return "region #" + std::to_string(reg.serial);
  return "region " + b;
}

} // namespace lungfish

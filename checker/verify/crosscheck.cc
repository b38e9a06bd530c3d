// The small-scope successor cross-check: every program over a statement alphabet up to a depth
// runs through the machine; for each executed statement, the encoding's transition, with the
// pre-state fixed to the model's (abstracted) pre-state, must be enabled exactly when the model
// accepted the statement, and must then admit the model's post-state and no other.
#include "checker/verify/encoding.h"
#include "checker/verify/model.h"

#include <map>
#include <memory>
#include <set>

namespace lungfish {

using namespace verify_detail;

namespace {

struct StmtSpec {
  OpKind op;
  int x = 0, y = 0, z = 0, f = 0;
  std::string text;
};

std::vector<StmtSpec> all_specs(const Bound &b) {
  std::vector<StmtSpec> out;
  auto add = [&](OpKind op, int x, int y, int z, int f) {
    out.push_back({op, x, y, z, f, op_text(op, x, y, z, field_name(f))});
  };
  const int V = b.vars, F = b.fields;
  for (int x = 0; x < V; ++x)
    add(OpKind::New, x, 0, 0, 0);
  for (int x = 0; x < V; ++x)
    add(OpKind::Region, x, 0, 0, 0);
  for (int x = 0; x < V; ++x)
    for (int y = 0; y < V; ++y)
      add(OpKind::Copy, x, y, 0, 0);
  for (int x = 0; x < V; ++x)
    for (int y = 0; y < V; ++y)
      for (int f = 0; f < F; ++f)
        add(OpKind::Read, x, y, 0, f);
  for (int x = 0; x < V; ++x)
    add(OpKind::Drop, x, 0, 0, 0);
  for (int z = 0; z < V; ++z)
    for (int y = 0; y < V; ++y)
      for (int f = 0; f < F; ++f)
        add(OpKind::Move, 0, y, z, f);
  for (int x = 0; x < V; ++x)
    for (int f = 0; f < F; ++f)
      for (int y = 0; y < V; ++y)
        add(OpKind::Store, x, y, 0, f); // cown writes share the text
  for (OpKind op : {OpKind::Freeze, OpKind::Close, OpKind::IsClosed, OpKind::Dissolve})
    for (int x = 0; x < V; ++x)
      add(op, x, 0, 0, 0);
  for (int x = 0; x < V; ++x)
    for (int y = 0; y < V; ++y)
      add(OpKind::Merge, x, y, 0, 0);
  for (OpKind op : {OpKind::Cown, OpKind::CownMove})
    for (int z = 0; z < V; ++z)
      for (int x = 0; x < V; ++x)
        add(op, x, 0, z, 0);
  return out;
}

/// One solver per operation holding `pre <-> Pre(s, a)` and `post = Post(s, a)`.
class Oracle {
public:
  Oracle(const Bound &b, const DisabledChecks &off) : b_(b), enc_(ctx_, b, off) {
    s_ = std::make_unique<SymState>(enc_.fresh_state("s"));
    post_ = std::make_unique<SymState>(enc_.fresh_state("post"));
    a_ = std::make_unique<SymArgs>(enc_.fresh_args("a"));
    pre_ = std::make_unique<z3::expr>(ctx_.bool_const("pre"));
    for (int i = 0; i < kOpCount; ++i) {
      solvers_.emplace_back(ctx_);
      Transition t = enc_.step(static_cast<OpKind>(i), *s_, *a_);
      solvers_.back().add(*pre_ == t.pre);
      solvers_.back().add(enc_.equal(*post_, t.post));
    }
  }

  /// "" if the encoding agrees with the model; else what it did.
  std::string check(const ConcreteState &pre, const StmtSpec &sp,
                    const std::optional<ConcreteState> &expected) {
    z3::solver &s = solvers_[static_cast<int>(sp.op)];
    s.push();
    s.add(enc_.equal(*s_, to_sym(ctx_, pre)));
    s.add(a_->x == sp.x && a_->y == sp.y && a_->z == sp.z && a_->f == sp.f);
    std::string out;
    if (s.check() != z3::sat) {
      out = "the transition is not total on this state";
    } else {
      z3::model m = s.get_model();
      bool enabled = m.eval(*pre_, true).is_true();
      if (!expected && enabled) {
        out = "the model rejects the statement but the encoding allows it, giving " +
              from_model(m, *post_, b_).to_string();
      } else if (expected && !enabled) {
        out = "the model accepts the statement but the encoding rejects it; model: " +
              expected->to_string();
      } else if (expected) {
        ConcreteState got = from_model(m, *post_, b_);
        if (!(got == *expected)) {
          out = "successors differ:\n    model:    " + expected->to_string() +
                "\n    encoding: " + got.to_string();
        } else {
          s.add(!enc_.equal(*post_, to_sym(ctx_, *expected)));
          if (s.check() != z3::unsat) out = "the transition admits another successor";
        }
      }
    }
    s.pop();
    return out;
  }

private:
  z3::context ctx_;
  Bound b_;
  Encoder enc_;
  std::unique_ptr<SymState> s_, post_;
  std::unique_ptr<SymArgs> a_;
  std::unique_ptr<z3::expr> pre_;
  std::vector<z3::solver> solvers_;
};

} // namespace

std::vector<std::string> statement_alphabet(const Bound &bound) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const StmtSpec &s : all_specs(bound))
    if (seen.insert(s.text).second) out.push_back(s.text);
  return out;
}

namespace {

/// Checks each executed statement of one program (the prelude, then `body`) against the
/// encoding; `done` skips (state, statement) pairs already checked.
void check_program(const Bound &bound, Oracle &oracle, const DisabledChecks &off,
                   const std::vector<const StmtSpec *> &body,
                   std::set<std::pair<std::vector<int>, const StmtSpec *>> &done, size_t &pairs,
                   std::vector<std::string> &problems) {
  std::string text = prelude(bound);
  for (const StmtSpec *sp : body)
    text += sp->text + "\n";
  const size_t P = static_cast<size_t>(bound.vars);
  RunRecord rec = run_program(text, off);
  SlotMap map;
  std::string err;
  std::optional<ConcreteState> pre =
      rec.worlds.size() >= P ? abstract_world(rec.worlds[P - 1], bound, map, &err) : std::nullopt;
  for (size_t i = 0; pre && i < body.size(); ++i) {
    StmtSpec sp = *body[i];
    if (sp.op == OpKind::Store) { // the same text is a cown write when x holds a cown
      int X = pre->var[sp.x];
      if (X != 0 && pre->loc[X - 1] == kCown) sp.op = OpKind::CownWrite;
    }
    std::optional<ConcreteState> post;
    SlotMap next = map;
    bool accepted = P + i < rec.worlds.size();
    if (accepted) {
      post = abstract_world(rec.worlds[P + i], bound, next, &err);
      if (!post) break; // the model's successor leaves the scope: not comparable
    } else if (!rec.dangling.empty()) {
      problems.push_back(text + "  the model stopped on a dangling reference: " + rec.dangling);
      break;
    }
    if (done.insert({pre->flat(), body[i]}).second) {
      ++pairs;
      std::string why = oracle.check(*pre, sp, post);
      if (!why.empty())
        problems.push_back("program:\n" + text + "statement " + std::to_string(i + 1) + " (" +
                           op_name(sp.op) + ") from " + pre->to_string() + "\n  " + why +
                           (accepted ? "" : "\n  model: " + rec.error));
    }
    if (!accepted) break;
    pre = post;
    map = next;
  }
}

} // namespace

std::vector<std::string> cross_check(const Bound &bound, int depth, size_t *pairs_checked,
                                     const std::vector<std::string> &alphabet,
                                     const DisabledChecks &off) {
  std::vector<StmtSpec> specs;
  std::set<std::string> wanted(alphabet.begin(), alphabet.end());
  std::set<std::string> seen;
  for (const StmtSpec &s : all_specs(bound))
    if ((wanted.empty() || wanted.count(s.text)) && seen.insert(s.text).second) specs.push_back(s);
  Oracle oracle(bound, off);
  std::vector<std::string> problems;
  std::set<std::pair<std::vector<int>, const StmtSpec *>> done;
  size_t pairs = 0;
  std::vector<size_t> idx(static_cast<size_t>(depth), 0);
  while (true) {
    std::vector<const StmtSpec *> body;
    for (size_t i : idx)
      body.push_back(&specs[i]);
    check_program(bound, oracle, off, body, done, pairs, problems);
    // Next program (odometer).
    size_t k = 0;
    while (k < idx.size() && ++idx[k] == specs.size())
      idx[k++] = 0;
    if (k == idx.size()) break;
  }
  if (pairs_checked) *pairs_checked = pairs;
  return problems;
}

std::vector<std::string> cross_check_programs(const Bound &bound,
                                              const std::vector<std::string> &programs,
                                              const DisabledChecks &off, size_t *pairs_checked) {
  std::vector<StmtSpec> specs = all_specs(bound);
  std::map<std::string, const StmtSpec *> by_text;
  for (const StmtSpec &s : specs)
    by_text.emplace(s.text, &s);
  Oracle oracle(bound, off);
  std::vector<std::string> problems;
  std::set<std::pair<std::vector<int>, const StmtSpec *>> done;
  size_t pairs = 0;
  for (const std::string &program : programs) {
    std::vector<const StmtSpec *> body;
    size_t start = 0;
    while (start < program.size()) {
      size_t end = program.find('\n', start);
      if (end == std::string::npos) end = program.size();
      std::string line = program.substr(start, end - start);
      start = end + 1;
      if (line.empty()) continue;
      auto it = by_text.find(line);
      if (it == by_text.end()) {
        problems.push_back("not a statement of the alphabet at this bound: " + line);
        body.clear();
        break;
      }
      body.push_back(it->second);
    }
    if (!body.empty()) check_program(bound, oracle, off, body, done, pairs, problems);
  }
  if (pairs_checked) *pairs_checked = pairs;
  return problems;
}

} // namespace lungfish

// The whole machine state: the heap plus the threads that hold roots into it.
//
// Thread 0 runs the main program in LOCAL 0; every `when` spawns a thread (a behaviour) with a
// LOCAL of its own, holding its captured values and its cowns in its bottom frame. A thread's
// frames and operand-stack slots are LOCAL roots: they count in rc, in local_rc and in LRC.
#pragma once

#include "model/state.h"

#include <vector>

namespace lungfish {

/// One call on a thread's stack.
struct Activation {
  ObjectId frame = kNone;  // the frame object (its fields are the variables)
  uint32_t function = 0;   // index into CompiledProgram::functions (0 = the top level / body)
  uint32_t pc = 0;         // next instruction
  uint32_t stack_base = 0; // operand-stack height when the call started
  bool wants_value = false; // the caller uses the call's value (`x = f()`)
  uint32_t call_line = 0;
  bool operator==(const Activation &) const = default;
};

enum class ThreadStatus : uint8_t { Waiting, Running, Done };

/// The main program or one behaviour.
struct Thread {
  uint32_t local = 0; // its LOCAL
  ThreadStatus status = ThreadStatus::Running;
  std::vector<Activation> calls;
  std::vector<ObjectId> stack; // operand stack (references counted like variables)
  std::vector<ObjectId> cowns; // the cowns a behaviour acquires (empty for main)
  uint32_t spawn_line = 0;
  uint32_t spawned_by = 0; // thread index
  // Serials of the regions it owns without having made them (I17): those its captures brought
  // and those it moved out of what it holds.
  std::vector<uint64_t> captured_regions;
  uint64_t first_own_region = 0; // regions with a serial >= this were made after the spawn
  bool operator==(const Thread &) const = default;
};

/// Heap and threads together: everything an invariant may look at.
struct World {
  State heap;
  std::vector<Thread> threads;
  bool implicit_freezing = false; // frankenscript pragma (3.5)
  bool operator==(const World &) const = default;
};

} // namespace lungfish

#include "scan/rules_walk.h"

#include <string>
#include <vector>

#include "identify/identify.h"
#include "scan/object_path.h"
#include "unpack/unpacker.h"

namespace assay {
namespace {

// One open container: its entry (the unpacker writes warnings on it), the bytes its children may
// borrow, and the cursor over its members.
struct Frame {
  std::unique_ptr<Entry> entry;
  std::vector<uint8_t> owned;
  std::unique_ptr<UnpackContext> context;
  std::unique_ptr<Unpacker> unpacker;
};

struct Walk {
  Walk(const Engine& e, YaraMatcher& m, Budget& b, bool u, const std::function<bool(const RuleHit&)>& h)
      : engine(e), rules(e.rules()), matcher(m), budget(b), unpack(u), on_hit(h) {}

  const Engine& engine;
  const std::shared_ptr<const RuleSet>& rules;
  YaraMatcher& matcher;
  Budget& budget;
  bool unpack;
  const std::function<bool(const RuleHit&)>& on_hit;
  std::vector<Frame> stack;
  uint64_t next_index = 0;
  bool aborted = false;

  // Matches one object and, when it is a container worth opening, pushes it on the stack.
  void visit(ByteSpan bytes, std::vector<uint8_t> owned, std::string_view name, std::string path,
             uint32_t depth) {
    auto entry = std::make_unique<Entry>();
    entry->index = static_cast<uint32_t>(next_index++);
    entry->depth = depth;
    entry->file_name = std::string(base_name(name));
    entry->file_path = std::move(path);
    entry->size = bytes.size();
    // What identify() decides, minus libmagic: its description never changes the format.
    entry->format = sniff_format(bytes, entry->file_name);
    if (entry->format == FileFormat::Unknown) entry->format = FileFormat::Binary;
    if (depth == 0 && entry->size > engine.config().limits.max_object_bytes) {
      budget.note_limit(LimitKind::MaxObjectBytes);  // a full scan does not YARA-scan it either
      return;
    }

    YaraOutcome outcome;
    matcher.scan(rules, bytes, *entry, budget.deadline(), outcome);
    for (const YaraMatch& match : outcome.matches) {
      if (on_hit && !on_hit(RuleHit{depth, entry->index, match, entry->file_path})) {
        aborted = true;
        return;
      }
    }
    // A YARA scan cut short by the deadline may have missed matches: the scan ends here.
    if (budget.check_deadline()) return;

    if (!unpack) return;
    const UnpackerFactory factory = find_unpacker(entry->format);
    if (factory == nullptr) return;
    if (entry->depth >= engine.config().limits.max_depth) {
      budget.note_limit(LimitKind::MaxDepth);
      return;
    }
    Frame frame{std::move(entry), std::move(owned), nullptr, nullptr};
    // Moving a vector keeps its heap block, so `bytes` still points at the frame's bytes.
    frame.context = std::make_unique<UnpackContext>(budget, engine.config().passwords, *frame.entry);
    frame.unpacker = factory(bytes, *frame.context);
    if (frame.unpacker != nullptr) stack.push_back(std::move(frame));
  }

  void run(ByteSpan root, std::string_view name) {
    budget.charge_object();
    visit(root, {}, name, std::string(name), 0);
    while (!stack.empty() && !aborted && !budget.scan_stopped()) {
      Frame& top = stack.back();
      Child child;
      if (!top.unpacker->next(*top.context, child)) {
        stack.pop_back();
        continue;
      }
      if (auto limit = budget.charge_object()) {
        top.context->stop_on_limit(*limit, "member '" + child.name + "' not extracted");
        continue;
      }
      const Entry& parent = *top.entry;
      std::string path = child_path(parent.file_path, child.layer, child.name);
      visit(child.bytes, std::move(child.owned), child.name, std::move(path), parent.depth + 1);
    }
    stack.clear();
  }
};

}  // namespace

RulesWalkOutcome walk_rules(const Engine& engine, YaraMatcher& matcher, ByteSpan root, std::string_view name,
                            bool unpack, const std::function<bool(const RuleHit&)>& on_hit) {
  Budget budget(engine.config().limits, root.size());
  if (!engine.rules() || engine.rules()->empty()) return RulesWalkOutcome::Complete;
  Walk walk(engine, matcher, budget, unpack, on_hit);
  walk.run(root, name);
  if (walk.aborted) return RulesWalkOutcome::Aborted;
  return budget.any_limit_hit() ? RulesWalkOutcome::LimitReached : RulesWalkOutcome::Complete;
}

}  // namespace assay

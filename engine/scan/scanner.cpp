#include "scan/scanner.h"

#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analyze/analyzer.h"
#include "analyze/interesting_strings.h"
#include "classify/heuristics.h"
#include "classify/verdict.h"
#include "hash/digest_task.h"
#include "scan/object_path.h"
#include "unpack/unpacker.h"

namespace assay {
namespace {

// Objects at least this large with more entropy than this get the "entropy-high" tag.
constexpr uint64_t kEntropyTagMinBytes = 1024;
constexpr double kEntropyTagThreshold = 7.2;
// An oversized root's pages are given back after every window of this many bytes is hashed.
constexpr size_t kReleaseWindowBytes = size_t{16} << 20;

// One open container on the work stack. It owns the container's decoded bytes (if any), which its
// children may borrow; popping the frame after the subtree is done releases them.
struct Frame {
  uint32_t entry_index;
  std::vector<uint8_t> owned;
  std::unique_ptr<UnpackContext> context;
  std::unique_ptr<Unpacker> unpacker;
};

// A defect in one analyzer or unpacker, met on one hostile object, must not cost the whole report
// (nor, in a gateway, the verdict on the mail that carried it): the object keeps what was written
// before the failure and says so, and the scan goes on. The scan fuzz target treats this warning
// as a finding, so such defects are still found and fixed.
constexpr const char* kInternalFailure = "internal error, please report: ";

void finish_container(Entry& entry, const UnpackContext& ctx) {
  apply_container_heuristics(entry, ctx.limit_hit, ctx.encrypted);
  if (ctx.failed_to_open && ctx.children_produced == 0 && !ctx.encrypted) {
    entry.unpack_status = UnpackStatus::Failed;
  } else if (ctx.limit_hit || ctx.incomplete) {
    entry.unpack_status = UnpackStatus::Partial;
  } else {
    entry.unpack_status = UnpackStatus::Complete;
  }
}

struct PendingObject {
  ByteSpan bytes;
  std::vector<uint8_t> owned;
  std::string name;
  std::string path;
  int64_t parent;
  uint32_t depth;
  std::vector<Property> properties;
};

}  // namespace

ScanOutcome Scanner::scan(ByteSpan root, std::string_view name, ReportModel& model, const ObjectCallback& callback,
                          const ReleasePages& release) {
  // Held for the whole scan: a reload elsewhere cannot free what this scan uses.
  const std::shared_ptr<const Engine> engine = engine_;
  const EngineConfig& config = engine->config();
  const std::shared_ptr<const RuleSet>& rules = engine->rules();
  Budget budget(config.limits, root.size());
  std::vector<Frame> stack;
  bool aborted = false;

  // Records one object and, when it is a container, opens it on the stack.
  const auto visit = [&](PendingObject object) {
    Entry& entry = model.add_entry();
    entry.parent = object.parent;
    entry.depth = object.depth;
    entry.file_name = std::string(base_name(object.name));
    entry.file_path = std::move(object.path);
    entry.size = object.bytes.size();
    entry.properties = std::move(object.properties);
    if (object.parent >= 0) model.at(static_cast<size_t>(object.parent)).children.push_back(entry.index);

    // An oversized root (children never are: their decoders stop at the limit) is only hashed and
    // identified, its pages given back as hashing passes them.
    const bool oversized = object.parent < 0 && entry.size > config.limits.max_object_bytes;
    // A large object is hashed on a helper thread while this one does the rest (digest_task.h);
    // entropy, which identification needs first, is a quick pass of its own here.
    std::optional<DigestTask> digest_task;
    if (oversized) {
      entry.digests = hasher_.digest_windows(object.bytes, Hasher::Entropy::Compute, kReleaseWindowBytes, release);
    } else if (config.parallel_hash_bytes != 0 && object.bytes.size() >= config.parallel_hash_bytes) {
      digest_task.emplace(object.bytes);
      entry.digests.entropy = entropy_of(object.bytes);
    } else {
      entry.digests = hasher_.digest(object.bytes);
    }
    Identification id = engine->identifier().identify(object.bytes, entry.file_name, entry.digests.entropy);
    entry.format = id.format;
    entry.magic_description = std::move(id.magic_description);
    if (entry.size >= kEntropyTagMinBytes && entry.digests.entropy > kEntropyTagThreshold) entry.add_tag("entropy-high");
    if (oversized) {
      if (release) release(0, object.bytes.size());  // what identification read
      budget.note_limit(LimitKind::MaxObjectBytes);
      entry.add_tag("limit-exceeded");
      entry.add_warning("limit max_object_bytes reached: the object's " + std::to_string(entry.size) +
                        " bytes were hashed and identified, not analysed, YARA-scanned or unpacked");
      if (callback && !callback(model, entry.index)) aborted = true;
      return;
    }
    if (const Analyzer analyze = find_analyzer(entry.format)) {
      try {
        analyze(object.bytes, entry);
      } catch (const std::exception& e) {
        entry.add_warning(std::string(kInternalFailure) + "the analyzer failed: " + e.what());
      }
    }
    add_interesting_strings(object.bytes, entry);
    apply_object_heuristics(object.bytes, entry);
    if (rules && !rules->empty()) {
      YaraOutcome outcome;
      yara_.scan(rules, object.bytes, entry, budget.deadline(), outcome);
      record_yara_outcome(entry, outcome, rules->identifier());
    }
    if (digest_task) {
      const double entropy = entry.digests.entropy;
      entry.digests = digest_task->get(hasher_);
      entry.digests.entropy = entropy;
    }

    if (callback && !callback(model, entry.index)) {
      aborted = true;
      return;
    }
    const UnpackerFactory factory = find_unpacker(entry.format);
    if (factory == nullptr) return;
    if (entry.depth >= config.limits.max_depth) {
      budget.note_limit(LimitKind::MaxDepth);
      entry.unpack_status = UnpackStatus::Partial;
      entry.add_tag("limit-exceeded");
      entry.add_warning("limit max_depth reached: not unpacked at depth " + std::to_string(entry.depth));
      return;
    }
    Frame frame{entry.index, std::move(object.owned), nullptr, nullptr};
    // Moving a vector keeps its heap block, so object.bytes still points at the frame's bytes.
    frame.context = std::make_unique<UnpackContext>(budget, config.passwords, entry);
    try {
      frame.unpacker = factory(object.bytes, *frame.context);
    } catch (const std::exception& e) {
      frame.context->incomplete = true;
      entry.add_warning(std::string(kInternalFailure) + "the unpacker failed: " + e.what());
    }
    if (frame.unpacker == nullptr) {
      finish_container(entry, *frame.context);
      return;
    }
    stack.push_back(std::move(frame));
  };

  budget.charge_object();
  visit(PendingObject{root, {}, std::string(name), std::string(name), -1, 0, {}});

  while (!stack.empty()) {
    if (aborted || budget.scan_stopped()) {
      // Every container still open is cut short by the same cause.
      for (Frame& frame : stack) {
        UnpackContext& ctx = *frame.context;
        if (aborted) {
          ctx.incomplete = true;
          ctx.container.add_warning("scan aborted by the caller before this container was fully unpacked");
        } else if (!ctx.limit_hit) {
          ctx.stop_on_limit(*budget.scan_stopped(), "scan stopped after decoding " +
                                                        std::to_string(budget.total_decoded_bytes()) + " bytes from " +
                                                        std::to_string(budget.input_bytes()) + " input bytes");
        }
        finish_container(ctx.container, ctx);
      }
      stack.clear();
      break;
    }
    Frame& top = stack.back();
    Child child;
    bool more = false;
    try {
      more = top.unpacker->next(*top.context, child);
    } catch (const std::exception& e) {
      top.context->incomplete = true;
      top.context->container.add_warning(std::string(kInternalFailure) + "the unpacker failed: " + e.what());
    }
    if (!more) {
      finish_container(top.context->container, *top.context);
      stack.pop_back();
      continue;
    }
    if (auto limit = budget.charge_object()) {
      top.context->stop_on_limit(*limit, "member '" + child.name + "' not extracted");
      continue;
    }
    const Entry& parent = top.context->container;
    std::string path = child_path(parent.file_path, child.layer, child.name);
    visit(PendingObject{child.bytes, std::move(child.owned), std::move(child.name), std::move(path),
                        static_cast<int64_t>(parent.index), parent.depth + 1, std::move(child.properties)});
  }

  apply_tree_heuristics(model);
  decide_verdicts(model);
  model.finish();
  const ScanOutcome outcome = aborted                 ? ScanOutcome::Aborted
                              : budget.any_limit_hit() ? ScanOutcome::LimitReached
                                                       : ScanOutcome::Complete;
  model.outcome = static_cast<uint8_t>(outcome);
  return outcome;
}

}  // namespace assay

#include "report/model_codec.h"

#include <cstring>
#include <type_traits>
#include <variant>

namespace assay {
namespace {

constexpr std::string_view kMagic = "ASRP";
// 1: the first layout; 2 adds the metadata tree after the story; 3 adds the info tree (validation,
// overlays) after it; 4 adds format-specific hashes after that; 5 an analyzer's identification name;
// 6 the interesting strings. Every version stays readable.
constexpr uint8_t kVersion = 6;
// Nesting bound of a metadata tree: decoding recurses, and a forged tree must not exhaust the stack.
constexpr int kMaxTreeDepth = 64;

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void bytes(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  void f64(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(bits >> (8 * i)));
  }
  void scalar(const Scalar& value) {
    if (const bool* b = std::get_if<bool>(&value)) {
      u8(0), u8(*b ? 1 : 0);
    } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
      // Zigzag, so small negative numbers stay small.
      u8(1), varint((static_cast<uint64_t>(*i) << 1) ^ static_cast<uint64_t>(*i >> 63));
    } else {
      u8(2), str(std::get<std::string>(value));
    }
  }
  template <typename List, typename Each>
  void list(const List& items, Each&& each) {
    varint(items.size());
    for (const auto& item : items) each(item);
  }

 private:
  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(ByteSpan bytes) : reader_(bytes) {}
  bool ok() const { return ok_ && reader_.ok(); }
  bool fail() { return ok_ = false; }

  uint8_t u8() { return reader_.u8(); }
  uint8_t u8_at_most(uint8_t max) {
    const uint8_t v = u8();
    if (v > max) fail();
    return v;
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t byte = reader_.u8();
      if (!reader_.ok()) return 0;
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail();
    return 0;
  }
  uint32_t u32() {
    const uint64_t v = varint();
    if (v > UINT32_MAX) fail();
    return static_cast<uint32_t>(v);
  }
  std::string str() {
    const uint64_t size = varint();
    if (size > reader_.remaining()) {
      fail();
      return {};
    }
    return std::string(reader_.bytes(size).as_chars());
  }
  template <size_t N>
  void fixed(std::array<uint8_t, N>& out) {
    const ByteSpan span = reader_.bytes(N);
    if (span.size() == N) std::memcpy(out.data(), span.data(), N);
  }
  double f64() {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(u8()) << (8 * i);
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  Scalar scalar() {
    switch (u8()) {
      case 0: return u8_at_most(1) != 0;
      case 1: {
        const uint64_t z = varint();
        return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
      }
      case 2: return str();
      default: fail(); return false;
    }
  }
  // A count of items each at least `min_bytes` long: never more than the input could hold, so a
  // forged count cannot make us allocate.
  uint64_t count(size_t min_bytes = 1) {
    const uint64_t n = varint();
    if (n > reader_.remaining() / min_bytes) {
      fail();
      return 0;
    }
    return n;
  }
  template <typename List, typename Each>
  void list(List& items, Each&& each, size_t min_bytes = 1) {
    const uint64_t n = count(min_bytes);
    items.reserve(n);
    for (uint64_t i = 0; i < n && ok(); ++i) items.push_back(each());
  }
  bool at_end() const { return reader_.remaining() == 0; }

 private:
  CheckedReader reader_;
  bool ok_ = true;
};

void encode_value(Encoder& e, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          e.u8(0);
        } else if constexpr (std::is_same_v<T, bool>) {
          e.u8(1), e.u8(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          e.u8(2), e.varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          e.u8(3), e.varint(v);
        } else if constexpr (std::is_same_v<T, double>) {
          e.u8(4), e.f64(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          e.u8(5), e.str(v);
        } else if constexpr (std::is_same_v<T, HexBytes>) {
          e.u8(6), e.str(std::string_view(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size()));
        } else if constexpr (std::is_same_v<T, Value::Array>) {
          e.u8(7), e.list(v, [&](const Value& item) { encode_value(e, item); });
        } else {
          e.u8(8), e.list(v, [&](const auto& pair) { e.str(pair.first), encode_value(e, pair.second); });
        }
      },
      value.data());
}

// Decoding reads fields in order through side-effecting calls, so every aggregate below is built with
// braces: a braced initializer list evaluates left to right, function arguments do not.
void encode_entry(Encoder& e, const Entry& entry) {
  e.varint(entry.parent < 0 ? 0 : static_cast<uint64_t>(entry.parent) + 1);
  e.varint(entry.depth);
  e.varint(static_cast<uint64_t>(entry.format));
  e.str(entry.magic_description);
  e.str(entry.file_name);
  e.str(entry.file_path);
  e.varint(entry.size);
  e.bytes(entry.digests.md5.data(), entry.digests.md5.size());
  e.bytes(entry.digests.sha1.data(), entry.digests.sha1.size());
  e.bytes(entry.digests.sha256.data(), entry.digests.sha256.size());
  e.bytes(entry.digests.sha512.data(), entry.digests.sha512.size());
  e.f64(entry.digests.entropy);
  e.u8(static_cast<uint8_t>(entry.unpack_status));
  e.list(entry.warnings, [&](const std::string& w) { e.str(w); });
  e.list(entry.properties, [&](const Property& p) { e.str(p.name), e.scalar(p.value); });
  e.list(entry.tags, [&](const std::string& t) { e.str(t); });

  const Classification& c = entry.classification;
  e.u8(static_cast<uint8_t>(c.verdict));
  e.u8(c.factor);
  e.str(c.result);
  e.u8(c.propagated ? 1 : 0);
  e.u8(c.propagation_source ? 1 : 0);
  if (c.propagation_source) e.bytes(c.propagation_source->data(), c.propagation_source->size());
  e.list(c.scan_results, [&](const ScanResult& r) {
    e.str(r.name), e.str(r.type), e.u8(static_cast<uint8_t>(r.verdict)), e.u8(r.factor), e.str(r.result);
    e.str(r.version), e.u8(r.ignored ? 1 : 0);
  });
  e.list(entry.indicators, [&](const Indicator& i) {
    e.varint(i.id), e.u8(i.priority), e.varint(i.category), e.str(i.description), e.varint(i.relevance);
    e.list(i.reasons, [&](const IndicatorReason& r) { e.varint(r.category), e.str(r.description), e.u8(r.propagated); });
  });
  e.list(entry.yara_matches, [&](const YaraMatch& m) {
    e.str(m.rule), e.str(m.ns);
    e.list(m.tags, [&](const std::string& t) { e.str(t); });
    e.list(m.meta, [&](const auto& pair) { e.str(pair.first), e.scalar(pair.second); });
    e.list(m.strings, [&](const YaraString& s) {
      e.str(s.identifier), e.varint(s.offset), e.varint(s.length);
      e.str(std::string_view(reinterpret_cast<const char*>(s.data.data()), s.data.size()));
    });
  });
  e.str(entry.story);
  encode_value(e, entry.metadata);
  encode_value(e, entry.info_extra);
  e.list(entry.extra_hashes, [&](const auto& pair) { e.str(pair.first), e.str(pair.second); });
  e.str(entry.identification_name);
  e.list(entry.interesting_strings, [&](const InterestingStrings& row) {
    e.str(row.category);
    e.list(row.values, [&](const std::string& v) { e.str(v); });
  });
}

Value decode_value(Decoder& d, int depth) {
  if (depth > kMaxTreeDepth) {
    d.fail();
    return {};
  }
  switch (d.u8()) {
    case 0: return {};
    case 1: return Value(d.u8_at_most(1) != 0);
    case 2: {
      const uint64_t z = d.varint();
      return Value(static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1)));
    }
    case 3: return Value(d.varint());
    case 4: return Value(d.f64());
    case 5: return Value(d.str());
    case 6: {
      const std::string raw = d.str();
      return Value(HexBytes{std::vector<uint8_t>(raw.begin(), raw.end())});
    }
    case 7: {
      Value array = Value::array();
      const uint64_t n = d.count();
      for (uint64_t i = 0; i < n && d.ok(); ++i) array.push(decode_value(d, depth + 1));
      return array;
    }
    case 8: {
      Value object = Value::object();
      const uint64_t n = d.count(2);
      for (uint64_t i = 0; i < n && d.ok(); ++i) {
        std::string key = d.str();
        object.set(std::move(key), decode_value(d, depth + 1));
      }
      return object;
    }
    default: d.fail(); return {};
  }
}

bool decode_entry(Decoder& d, Entry& entry, uint8_t version) {
  const uint64_t parent = d.varint();
  // A parent always comes before its children, and only entry 0 is a root.
  if (parent > entry.index || (parent == 0) != (entry.index == 0)) return d.fail();
  entry.parent = parent == 0 ? -1 : static_cast<int64_t>(parent - 1);
  entry.depth = d.u32();
  const uint64_t format = d.varint();
  if (format >= format_count()) return d.fail();
  entry.format = static_cast<FileFormat>(format);
  entry.magic_description = d.str();
  entry.file_name = d.str();
  entry.file_path = d.str();
  entry.size = d.varint();
  d.fixed(entry.digests.md5);
  d.fixed(entry.digests.sha1);
  d.fixed(entry.digests.sha256);
  d.fixed(entry.digests.sha512);
  entry.digests.entropy = d.f64();
  entry.unpack_status = static_cast<UnpackStatus>(d.u8_at_most(3));
  d.list(entry.warnings, [&] { return d.str(); });
  d.list(entry.properties, [&] { return Property{d.str(), d.scalar()}; }, 2);
  d.list(entry.tags, [&] { return d.str(); });

  Classification& c = entry.classification;
  c.verdict = static_cast<Verdict>(d.u8_at_most(3));
  c.factor = d.u8_at_most(5);
  c.result = d.str();
  c.propagated = d.u8_at_most(1) != 0;
  if (d.u8_at_most(1) != 0) {
    c.propagation_source.emplace();
    d.fixed(*c.propagation_source);
  }
  d.list(c.scan_results, [&] {
    ScanResult r;
    r.name = d.str(), r.type = d.str(), r.verdict = static_cast<Verdict>(d.u8_at_most(3)), r.factor = d.u8_at_most(5);
    r.result = d.str(), r.version = d.str(), r.ignored = d.u8_at_most(1) != 0;
    return r;
  }, 7);
  d.list(entry.indicators, [&] {
    Indicator i;
    i.id = d.u32(), i.priority = d.u8(), i.category = d.u32(), i.description = d.str(), i.relevance = d.u32();
    d.list(i.reasons, [&] { return IndicatorReason{d.u32(), d.str(), d.u8_at_most(1) != 0}; }, 3);
    return i;
  }, 6);
  d.list(entry.yara_matches, [&] {
    YaraMatch m;
    m.rule = d.str(), m.ns = d.str();
    d.list(m.tags, [&] { return d.str(); });
    d.list(m.meta, [&] { return std::pair<std::string, Scalar>{d.str(), d.scalar()}; }, 2);
    d.list(m.strings, [&] {
      YaraString s;
      s.identifier = d.str(), s.offset = d.varint(), s.length = d.u32();
      const std::string data = d.str();
      if (data.size() > YaraString::kMaxData) d.fail();
      s.data.assign(data.begin(), data.end());
      return s;
    }, 4);
    return m;
  }, 6);
  entry.story = d.str();
  if (version >= 2) {
    entry.metadata = decode_value(d, 0);
    if (!entry.metadata.is_object()) d.fail();
  }
  if (version >= 3) {
    entry.info_extra = decode_value(d, 0);
    if (!entry.info_extra.is_object()) d.fail();
  }
  if (version >= 4) {
    d.list(entry.extra_hashes, [&] { return std::pair<std::string, std::string>{d.str(), d.str()}; }, 2);
  }
  if (version >= 5) entry.identification_name = d.str();
  if (version >= 6) {
    d.list(entry.interesting_strings, [&] {
      InterestingStrings row;
      row.category = d.str();
      d.list(row.values, [&] { return d.str(); });
      return row;
    }, 2);
  }
  return d.ok();
}

}  // namespace

void encode_report(const ReportModel& model, std::string& out) {
  Encoder e(out);
  e.bytes(kMagic.data(), kMagic.size());
  e.u8(kVersion);
  e.u8(model.outcome);
  e.varint(model.size());
  for (const Entry& entry : model.entries()) encode_entry(e, entry);
}

std::optional<ReportModel> decode_report(ByteSpan bytes, std::string& error) {
  if (!bytes.starts_with(kMagic)) {
    error = "not a saved Assay report";
    return std::nullopt;
  }
  Decoder d(bytes.sub(kMagic.size()));
  const uint8_t version = d.u8();
  if (d.ok() && (version < 1 || version > kVersion)) {
    error = "saved report version " + std::to_string(version) + " is not one this library reads";
    return std::nullopt;
  }
  ReportModel model;
  model.outcome = d.u8_at_most(2);
  const uint64_t entries = d.count(40);  // an entry is never shorter than its digests
  for (uint64_t i = 0; i < entries && d.ok(); ++i) {
    Entry& entry = model.add_entry();
    if (!decode_entry(d, entry, version)) break;
    if (entry.parent >= 0) model.at(static_cast<size_t>(entry.parent)).children.push_back(entry.index);
  }
  if (!d.ok() || !d.at_end()) {
    error = "saved report is truncated or damaged";
    return std::nullopt;
  }
  model.finish();  // statistics are derived, not stored
  return model;
}

}  // namespace assay

#include "transform.hpp"

#include <array>
#include <utility>

namespace throng::server {
namespace {

constexpr std::array<std::pair<std::string_view, transform_style>, 4> styles{{
    {"none", transform_style::none},
    {"bestie", transform_style::bestie},
    {"pirate", transform_style::pirate},
    {"shout", transform_style::shout},
}};

std::uint64_t fnv1a(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 14695981039346656037ull ^ seed;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Bytes of multi-byte UTF-8 sequences count as word characters, so a word
// boundary never falls inside a character.
bool word_byte(unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '\''; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

bool same_word(std::string_view word, std::string_view lowercase) {
  if (word.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(word[i]) != lowercase[i]) return false;
  return true;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> pirate_words{{
    {"hello", "ahoy"}, {"hi", "ahoy"}, {"hey", "avast"}, {"you", "ye"}, {"your", "yer"}, {"my", "me"},
    {"is", "be"}, {"are", "be"}, {"friend", "matey"}, {"friends", "hearties"}, {"yes", "aye"}, {"the", "th'"},
}};

std::string pirate(std::string_view body, std::uint64_t h) {
  std::string out;
  out.reserve(body.size() + 16);
  std::size_t i = 0;
  while (i < body.size()) {
    if (!word_byte(static_cast<unsigned char>(body[i]))) {
      out.push_back(body[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < body.size() && word_byte(static_cast<unsigned char>(body[j]))) ++j;
    const std::string_view word = body.substr(i, j - i);
    std::string_view replacement = word;
    for (const auto& [from, to] : pirate_words)
      if (same_word(word, from)) replacement = to;
    out.append(replacement);
    i = j;
  }
  static constexpr std::array<std::string_view, 3> endings{" Arr!", " Yo-ho-ho!", " Shiver me timbers!"};
  out.append(endings[h % endings.size()]);
  return out;
}

std::string bestie(std::string_view body, std::uint64_t h) {
  static constexpr std::array<std::string_view, 3> endings{" No cap, slayyy.", " It's giving main character.",
                                                           " Periodt. \xF0\x9F\x92\x85"};
  std::string out;
  out.reserve(body.size() + 48);
  out.append("Hey bestie! \xE2\x9C\xA8 ");
  out.append(body);
  out.append(endings[h % endings.size()]);
  return out;
}

std::string shout(std::string_view body) {
  std::string out(body);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  out.append("!!");
  return out;
}

}  // namespace

std::optional<transform_style> parse_transform_style(std::string_view name) {
  for (const auto& [n, s] : styles)
    if (n == name) return s;
  return std::nullopt;
}

std::string_view transform_style_name(transform_style style) {
  for (const auto& [n, s] : styles)
    if (s == style) return n;
  return "none";
}

std::string_view transform_style_names() { return "none, bestie, pirate, shout"; }

std::string apply_transform(transform_style style, std::string_view body, std::uint64_t seed) {
  switch (style) {
    case transform_style::none: return std::string(body);
    case transform_style::bestie: return bestie(body, fnv1a(body, seed));
    case transform_style::pirate: return pirate(body, fnv1a(body, seed));
    case transform_style::shout: return shout(body);
  }
  return std::string(body);
}

}  // namespace throng::server

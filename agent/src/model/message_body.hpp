#pragma once
// A send's body: the plan's template with the user's name and the message
// number filled in, padded or cut to the size drawn for this message.

#include <cstdint>
#include <string>

namespace throng::agent {

// Replaces {user} and {n} in `templ` (an empty template gives "<user> #<n> "),
// then pads with 'x' or cuts to exactly `size` bytes. Reuses `body`'s storage.
void render_body(const std::string& templ, const std::string& user, std::uint64_t n, std::size_t size, std::string& body);

}  // namespace throng::agent

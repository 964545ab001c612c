#pragma once
// Giving a string's heap buffer back, for connections that must hold none while idle.

#include <string>

namespace throng {

// Empties `s` and frees its buffer. `s = std::string()` does not free it:
// libstdc++ moves a short (inline) string by copying it into the buffer the
// target already owns, so the capacity stays.
inline void free_buffer(std::string& s) noexcept { std::string().swap(s); }

}  // namespace throng

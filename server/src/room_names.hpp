#pragma once
#include <string>

namespace throng::server {

// Names of 1..64 characters from [A-Za-z0-9_.:-].
bool valid_room_name(const std::string& name) noexcept;
inline constexpr const char* room_name_rule = "room names are 1-64 characters of A-Z a-z 0-9 _ . : -";

}  // namespace throng::server

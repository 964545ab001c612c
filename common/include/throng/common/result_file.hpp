#pragma once
// Files a run's results are written to (reports, JUnit, Markdown, an agent's
// summary). Their paths are checked before the run starts, so a typo costs
// seconds rather than the hour the run took; a result is written beside its
// path and renamed over it, so a reader never sees half a file and a failed
// write leaves the previous one intact.

#include <string>
#include <string_view>

namespace throng {

// Why `path` could not be written at the end of a run (the directory is
// missing or not writable, or the path is a directory); empty when it can.
// Creates and removes a probe file beside it, so read-only file systems and
// permissions count as they will for the write itself.
std::string result_path_problem(const std::string& path);

// Writes `content` to `path` whole (through a temporary file and a rename; a
// device or pipe such as /dev/stdout is written in place). Empty when done,
// else what failed, with the system's reason.
std::string write_result_file(const std::string& path, std::string_view content);

}  // namespace throng

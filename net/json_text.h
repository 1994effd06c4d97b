// Bytes as JSON text. Node names, meta and user messages are arbitrary bytes
// in memberlist; JSON strings must be UTF-8. These helpers make every byte
// string printable without failing:
//
//   ValidUtf8(b)   b with each byte that is not part of a well-formed UTF-8
//                  sequence replaced by U+FFFD (lossy, readable);
//   Utf8Valid(b)   whether b needs no replacement;
//   Base64(b)      standard base64 of the exact bytes (lossless).
//
// swimd prints a byte field `f` as "f": ValidUtf8(f) and, where exactness
// matters, "f_b64": Base64(f) (see net/swimd_main.cc and the README).
#ifndef SWIM_NET_JSON_TEXT_H_
#define SWIM_NET_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace swim::net {

bool Utf8Valid(std::string_view bytes);
std::string ValidUtf8(std::string_view bytes);
std::string Base64(std::string_view bytes);

}  // namespace swim::net

#endif  // SWIM_NET_JSON_TEXT_H_

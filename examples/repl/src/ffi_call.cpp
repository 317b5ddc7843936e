#include "ffi_call.h"

#include <ffi.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>

namespace repl {
namespace {

// The kinds of value the REPL converts.
enum class Kind { kVoid, kBool, kChar, kSigned, kUnsigned, kFloat, kDouble, kCString, kString };

struct Type {
  Kind kind = Kind::kVoid;
  ffi_type* ffi = &ffi_type_void;
  bool by_reference = false;  // std::string passed as `const std::string&`
};

std::string trim(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  return text;
}

// A canonical spelling from the registry ("int", "const char *",
// "const std::basic_string<char> &") as a Type; false when unsupported.
bool parse_type(std::string spelling, Type* type) {
  spelling = trim(spelling);
  static const struct {
    const char* spelling;
    Kind kind;
    ffi_type* ffi;
  } known[] = {
      {"void", Kind::kVoid, &ffi_type_void},
      {"bool", Kind::kBool, &ffi_type_uint8},
      {"char", Kind::kChar, &ffi_type_schar},
      {"signed char", Kind::kSigned, &ffi_type_schar},
      {"unsigned char", Kind::kUnsigned, &ffi_type_uchar},
      {"short", Kind::kSigned, &ffi_type_sshort},
      {"unsigned short", Kind::kUnsigned, &ffi_type_ushort},
      {"int", Kind::kSigned, &ffi_type_sint},
      {"unsigned int", Kind::kUnsigned, &ffi_type_uint},
      {"long", Kind::kSigned, &ffi_type_slong},
      {"unsigned long", Kind::kUnsigned, &ffi_type_ulong},
      {"long long", Kind::kSigned, &ffi_type_sint64},
      {"unsigned long long", Kind::kUnsigned, &ffi_type_uint64},
      {"float", Kind::kFloat, &ffi_type_float},
      {"double", Kind::kDouble, &ffi_type_double},
      {"const char *", Kind::kCString, &ffi_type_pointer},
      {"char *", Kind::kCString, &ffi_type_pointer},
      // Non-trivial classes go by address (Itanium ABI), returned through a
      // hidden first argument.
      {"std::basic_string<char>", Kind::kString, &ffi_type_pointer},
      {"const std::basic_string<char> &", Kind::kString, &ffi_type_pointer},
      {"std::basic_string<char> &&", Kind::kString, &ffi_type_pointer},
  };
  for (const auto& k : known)
    if (spelling == k.spelling) {
      *type = {k.kind, k.ffi, spelling.back() == '&'};
      return true;
    }
  return false;
}

// "R (P1, P2)" -> R and the Ps.
bool parse_signature(const std::string& signature, Type* result, std::vector<Type>* parameters,
                     std::string* unsupported) {
  std::size_t open = signature.find(" (");
  if (open == std::string::npos || signature.back() != ')') return false;
  if (!parse_type(signature.substr(0, open), result) || result->by_reference) {
    *unsupported = signature.substr(0, open);
    return false;
  }
  std::string list = signature.substr(open + 2, signature.size() - open - 3);
  int depth = 0;
  std::string current;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    char c = i < list.size() ? list[i] : ',';
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      if (!trim(current).empty()) {
        Type type;
        if (!parse_type(current, &type) || type.kind == Kind::kVoid) {
          *unsupported = trim(current);
          return false;
        }
        parameters->push_back(type);
      }
      current.clear();
    } else {
      current += c;
    }
  }
  return true;
}

// Storage for one converted argument, alive for the call.
struct Value {
  std::uint64_t bits = 0;  // any integer
  double real = 0;
  float single = 0;
  std::uint8_t boolean = 0;
  signed char character = 0;
  const char* text = nullptr;
  std::string string;
  const void* address = nullptr;  // of `string`, for by-address passing
};

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "integers are passed by their low bytes");

// The integer in `text` as 64 bits, if it fits `bytes` bytes; nothing (and
// `error` set when it is a number out of range) otherwise.
std::optional<std::uint64_t> integer_bits(const std::string& text, bool is_signed,
                                          std::size_t bytes, std::string* error) {
  char* end = nullptr;
  errno = 0;
  std::uint64_t bits = 0;
  bool fits = true;
  if (is_signed) {
    long long value = std::strtoll(text.c_str(), &end, 0);
    long long limit = bytes >= 8 ? 0 : 1ll << (bytes * 8 - 1);
    fits = bytes >= 8 || (value >= -limit && value < limit);
    bits = static_cast<std::uint64_t>(value);
  } else {
    bits = std::strtoull(text.c_str(), &end, 0);
    fits = bytes >= 8 || (bits >> (bytes * 8)) == 0;
    if (!text.empty() && text[0] == '-') return std::nullopt;
  }
  if (text.empty() || *end) return std::nullopt;
  if (errno == ERANGE || !fits) {
    *error =
        "'" + text + "' is out of range for its " + std::to_string(bytes * 8) + "-bit parameter";
    return std::nullopt;
  }
  return bits;
}

std::string unquote(const std::string& text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front())
    return text.substr(1, text.size() - 2);
  return text;
}

// Converts `text` for `type` into `value`; returns the pointer libffi
// wants for it, or null with `error` set.
void* convert(const Type& type, const std::string& text, Value& value, std::string* error) {
  char* end = nullptr;
  errno = 0;
  switch (type.kind) {
    case Kind::kBool:
      if (text != "true" && text != "false" && text != "1" && text != "0") break;
      value.boolean = text == "true" || text == "1";
      return &value.boolean;
    case Kind::kChar: {
      std::string c = unquote(text);
      if (c.size() != 1) break;
      value.character = c[0];
      return &value.character;
    }
    case Kind::kSigned:
    case Kind::kUnsigned: {
      std::optional<std::uint64_t> bits =
          integer_bits(text, type.kind == Kind::kSigned, type.ffi->size, error);
      if (!bits && !error->empty()) return nullptr;
      if (!bits) break;
      value.bits = *bits;  // little-endian: its first bytes are the narrower value
      return &value.bits;
    }
    case Kind::kFloat:
    case Kind::kDouble:
      value.real = std::strtod(text.c_str(), &end);
      if (text.empty() || *end || errno) break;
      if (type.kind == Kind::kFloat) return &(value.single = static_cast<float>(value.real));
      return &value.real;
    case Kind::kCString:
      value.string = unquote(text);
      value.text = value.string.c_str();
      return &value.text;
    case Kind::kString:
      value.string = unquote(text);
      value.address = &value.string;
      return &value.address;
    case Kind::kVoid:
      break;
  }
  *error = "'" + text + "' is not a valid argument of type " + [&] {
    switch (type.kind) {
      case Kind::kBool:
        return std::string("bool");
      case Kind::kChar:
        return std::string("char");
      case Kind::kSigned:
        return std::string("signed integer");
      case Kind::kUnsigned:
        return std::string("unsigned integer");
      case Kind::kFloat:
      case Kind::kDouble:
        return std::string("floating point");
      default:
        return std::string("this kind");
    }
  }();
  return nullptr;
}

// One prepared libffi call, for run_guarded.
struct PreparedCall {
  ffi_cif* cif;
  void (*function)();
  void* out;
  void** arguments;
};

void run_prepared(void* context) {
  auto* call = static_cast<PreparedCall*>(context);
  ffi_call(call->cif, call->function, call->out, call->arguments);
}

std::string format_double(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  std::string shorter(text);
  std::snprintf(text, sizeof text, "%g", value);
  return std::strtod(text, nullptr) == value ? text : shorter;
}

}  // namespace

softpatch::Result<std::string> call(const softpatch::Function& function,
                                    const std::vector<std::string>& arguments,
                                    std::optional<Stop>* stopped) {
  stopped->reset();
  if (function.is_method())
    return softpatch::Error{std::string(function.name()) + " is a method: not callable here"};
  softpatch::internal::RawFunction address = function.address();
  if (!address) return softpatch::Error{std::string(function.name()) + " has no address"};
  Type result;
  std::vector<Type> parameters;
  std::string unsupported;
  if (!parse_signature(function.signature(), &result, &parameters, &unsupported))
    return softpatch::Error{std::string(function.name()) + ": cannot pass or return '" +
                            unsupported + "' from the REPL"};
  if (arguments.size() != parameters.size())
    return softpatch::Error{
        std::string(function.name()) + " takes " + std::to_string(parameters.size()) + " argument" +
        (parameters.size() == 1 ? "" : "s") + ", not " + std::to_string(arguments.size())};

  std::deque<Value> values(arguments.size());  // stable addresses
  std::vector<ffi_type*> types;
  std::vector<void*> pointers;
  // A std::string result is built in storage the caller passes first.
  alignas(std::string) unsigned char returned_string[sizeof(std::string)];
  void* returned_address = returned_string;
  if (result.kind == Kind::kString) {
    types.push_back(&ffi_type_pointer);
    pointers.push_back(&returned_address);
  }
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string error;
    void* pointer = convert(parameters[i], arguments[i], values[i], &error);
    if (!pointer)
      return softpatch::Error{"argument " + std::to_string(i + 1) + " of " + function.name() +
                              ": " + error};
    types.push_back(parameters[i].ffi);
    pointers.push_back(pointer);
  }
  ffi_cif cif;
  ffi_type* return_type = result.kind == Kind::kString ? &ffi_type_void : result.ffi;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, static_cast<unsigned>(types.size()), return_type,
                   types.data()) != FFI_OK)
    return softpatch::Error{std::string("libffi cannot describe ") + function.signature()};
  ffi_arg integer = 0;  // small integer results are widened to ffi_arg
  double real = 0;
  float single = 0;
  void* out = result.kind == Kind::kDouble  ? static_cast<void*>(&real)
              : result.kind == Kind::kFloat ? static_cast<void*>(&single)
                                            : static_cast<void*>(&integer);
  PreparedCall prepared{&cif, reinterpret_cast<void (*)()>(address), out, pointers.data()};
  *stopped = run_guarded(run_prepared, &prepared);
  if (*stopped) return std::string();  // a std::string result was never made: nothing to destroy

  switch (result.kind) {
    case Kind::kVoid:
      return std::string();
    case Kind::kBool:
      return std::string(static_cast<std::uint8_t>(integer) ? "true" : "false");
    case Kind::kChar:
      return std::string(1, static_cast<char>(integer));
    case Kind::kSigned:
      if (result.ffi == &ffi_type_schar) return std::to_string(static_cast<signed char>(integer));
      if (result.ffi == &ffi_type_sshort) return std::to_string(static_cast<short>(integer));
      if (result.ffi == &ffi_type_sint) return std::to_string(static_cast<int>(integer));
      return std::to_string(static_cast<long long>(integer));
    case Kind::kUnsigned:
      if (result.ffi == &ffi_type_uchar) return std::to_string(static_cast<unsigned char>(integer));
      if (result.ffi == &ffi_type_ushort)
        return std::to_string(static_cast<unsigned short>(integer));
      if (result.ffi == &ffi_type_uint) return std::to_string(static_cast<unsigned>(integer));
      return std::to_string(static_cast<unsigned long long>(integer));
    case Kind::kFloat:
      return format_double(single);
    case Kind::kDouble:
      return format_double(real);
    case Kind::kCString: {
      const char* text = reinterpret_cast<const char*>(integer);
      return std::string(text ? text : "(null)");
    }
    case Kind::kString: {
      auto* string = reinterpret_cast<std::string*>(returned_string);
      std::string text = std::move(*string);
      string->~basic_string();
      return text;
    }
  }
  return std::string();
}

}  // namespace repl

// Exercises free functions: linkage kinds, namespaces, overloads, parameter and return kinds, extern "C", variadics.
#include "corpus.h"

#include <cctype>
#include <cstdarg>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

int g_calls = 0;               // global mutable state
static int s_counter = 0;      // file-local mutable state
static const int kBase = 100;  // file-local constant

// ---- linkage ----------------------------------------------------------------

static int bump(int by) {
    ++g_calls;
    s_counter += by;
    return s_counter;
}

static inline int triple(int x) { return 3 * x; }

namespace {
int twice(int x) { return 2 * x; }

int offset_by_base(int x)
{
    return x + kBase;
}
}  // namespace

// ---- namespaces -------------------------------------------------------------

namespace corpus {
namespace geometry {
namespace detail {
int square(int x) { return x * x; }
}  // namespace detail

int area(int w, int h) { return w * h; }
int area(int side) { return detail::square(side); }
}  // namespace geometry

inline namespace v2 {
int api_version() { return 2; }
}  // namespace v2

namespace v1 {
int api_version() { return 1; }
}  // namespace v1

int qualified_later(int x);
}  // namespace corpus

// Defined with a qualified name outside its namespace.
int corpus::qualified_later(int x) { return x + 7; }

namespace corpus::text {  // C++17 nested namespace definition
std::string shout(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace corpus::text

// ---- overload sets ----------------------------------------------------------

std::string describe(int) { return "int"; }
std::string describe(double) { return "double"; }
std::string describe(const char* s) { return std::string("c-string ") + s; }
std::string describe(const std::string& s) { return "const& " + s; }
std::string describe(std::string&& s) { return "&& " + s; }

int only_int(int x) { return x; }
int only_int(double) = delete;

// ---- parameters -------------------------------------------------------------

int scaled(int x, int factor = 3, int offset = kBase) { return x * factor + offset; }

int second_of(int, int b) { return b; }

int ignore_all(int, const char*, double) { return 42; }

int with_unused([[maybe_unused]] int debug_level, int x) { return x; }

int sum(const int arr[], int n) {
    int total = 0;
    for (int i = 0; i < n; ++i) total += arr[i];
    return total;
}

int sum_fixed(const int (&arr)[4]) {
    int total = 0;
    for (int v : arr) total += v;
    return total;
}

int apply_twice(int (*fn)(int), int x) { return fn(fn(x)); }

int apply(Callback cb, int x) {
    ++g_calls;
    return cb(x);
}

i64 widen(i64 v) { return v * 1000000000LL; }

std::string greet(std::string name) {
    name.insert(0, "hello ");
    return name;
}

std::size_t length_of(const std::string& s) { return s.size(); }

const char* color_name(Color c) {
    switch (c) {
        case Color::Red: return "red";
        case Color::Green: return "green";
        case Color::Blue: return "blue";
    }
    return "unknown";
}

int consume(std::unique_ptr<int> p) { return *p + 1; }

std::string steal(std::string&& s) {
    std::string out = std::move(s);
    out += "!";
    return out;
}

// ---- return kinds -----------------------------------------------------------

int& slot(int i) {
    static int slots[4] = {0, 0, 0, 0};
    return slots[i];
}

const std::string& label() {
    static const std::string text = "corpus";
    return text;
}

int&& as_rvalue(int& x) { return std::move(x); }

auto halve(int x) { return x / 2; }

auto product(int a, int b) -> long { return static_cast<long>(a) * b; }

decltype(auto) counter_ref() { return (s_counter); }  // parenthesised: returns int&

static int plus(int a, int b) { return a + b; }
static int minus(int a, int b) { return a - b; }

int (*pick_op(bool add))(int, int) { return add ? plus : minus; }

int safe_div(int a, int b) noexcept { return b == 0 ? 0 : a / b; }

constexpr int factorial(int n) { return n <= 1 ? 1 : n * factorial(n - 1); }

[[nodiscard]] int checked(int x) { return x; }

// ---- layout oddities --------------------------------------------------------

int
multi_line_signature(
    int a,   // first
    int b)   /* second */
{
    return a * 10 + b;
}

int first_on_line(int x) { return x + 1; } int second_on_line(int x) { return x - 1; }

int spaced_out  (  int x  )
    // a comment between the signature and the body
{ return x; }

// ---- extern "C" -------------------------------------------------------------

extern "C" int c_add(int a, int b) {
    ++g_calls;
    return a + b;
}

extern "C" {
int sum_c(int n, ...) {
    va_list args;
    va_start(args, n);
    int total = 0;
    for (int i = 0; i < n; ++i) total += va_arg(args, int);
    va_end(args);
    return total;
}
}

// ---- accessors and driver ---------------------------------------------------

int free_functions_counter() { return s_counter; }
int free_functions_base() { return kBase; }

void run_free_functions() {
    const char* f = "free_functions";
    report(f, "bump(2)", bump(2));
    report(f, "bump(3)", bump(3));
    report(f, "triple(4)", triple(4));
    report(f, "anon twice(21)", twice(21));
    report(f, "anon offset_by_base(5)", offset_by_base(5));

    report(f, "geometry::area(3, 4)", corpus::geometry::area(3, 4));
    report(f, "geometry::area(5)", corpus::geometry::area(5));
    report(f, "api_version() via inline namespace", corpus::api_version());
    report(f, "v1::api_version()", corpus::v1::api_version());
    report(f, "qualified_later(1)", corpus::qualified_later(1));
    report(f, "text::shout(\"quiet\")", corpus::text::shout("quiet"));

    std::string named = "named";
    report(f, "describe(1)", describe(1));
    report(f, "describe(2.5)", describe(2.5));
    report(f, "describe(\"lit\")", describe("lit"));
    report(f, "describe(lvalue string)", describe(named));
    report(f, "describe(temporary string)", describe(std::string("temp")));
    report(f, "only_int(9)", only_int(9));

    report(f, "scaled(2)", scaled(2));
    report(f, "scaled(2, 5)", scaled(2, 5));
    report(f, "scaled(2, 5, 1)", scaled(2, 5, 1));
    report(f, "second_of(1, 2)", second_of(1, 2));
    report(f, "ignore_all(...)", ignore_all(1, "x", 2.0));
    report(f, "with_unused(9, 8)", with_unused(9, 8));

    const int values[] = {1, 2, 3, 4};
    report(f, "sum(values, 4)", sum(values, 4));
    report(f, "sum_fixed(values)", sum_fixed(values));
    report(f, "apply_twice(triple, 2)", apply_twice(triple, 2));
    report(f, "apply(twice, 8)", apply(twice, 8));
    report(f, "widen(3)", widen(3));
    report(f, "greet(\"bob\")", greet("bob"));
    report(f, "length_of(\"four\")", length_of("four"));
    report(f, "color_name(Green)", color_name(Color::Green));
    report(f, "consume(make_unique(41))", consume(std::make_unique<int>(41)));
    report(f, "steal(\"mine\")", steal(std::string("mine")));

    slot(2) = 17;
    slot(2) += 1;
    report(f, "slot(2) after writes", slot(2));
    report(f, "label()", label());
    int source = 5;
    int taken = as_rvalue(source);
    report(f, "as_rvalue(5)", taken);
    report(f, "halve(9)", halve(9));
    report(f, "product(1000, 1000)", product(1000, 1000));
    counter_ref() += 10;
    report(f, "counter after counter_ref() += 10", s_counter);
    report(f, "pick_op(true)(7, 3)", pick_op(true)(7, 3));
    report(f, "pick_op(false)(7, 3)", pick_op(false)(7, 3));
    report(f, "safe_div(7, 0)", safe_div(7, 0));
    report(f, "factorial(6)", factorial(6));
    report(f, "checked(3)", checked(3));
    report(f, "multi_line_signature(4, 2)", multi_line_signature(4, 2));
    report(f, "first_on_line(1) + second_on_line(1)", first_on_line(1) + second_on_line(1));
    report(f, "spaced_out(6)", spaced_out(6));
    report(f, "c_add(2, 3)", c_add(2, 3));
    report(f, "sum_c(4, 1, 2, 3, 4)", sum_c(4, 1, 2, 3, 4));
}

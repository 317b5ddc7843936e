// Exercises templates (function, class, variadic, specialisations) and lambdas inside ordinary functions.
#include "corpus.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

constexpr int kLimit = 5;  // file-scope constexpr constant

constexpr int cube(int x) { return x * x * x; }
static_assert(cube(3) == 27, "cube must be usable in constant expressions");

int templates_limit() { return kLimit; }

// ---- function templates -----------------------------------------------------

template <typename T>
T max_of(T a, T b) {
    return a < b ? b : a;
}

template <typename... Ts>
auto sum_all(Ts... xs) {
    return (xs + ... + 0);
}

template <typename T>
std::string type_tag() {
    return "other";
}

template <>
std::string type_tag<int>() {  // an explicit specialisation is an ordinary function
    return "int";
}

template <typename T>
std::string stringify(const T& value) {
    if constexpr (std::is_arithmetic_v<T>) {
        return std::to_string(value);
    } else {
        return std::string(value);
    }
}

// ---- class templates --------------------------------------------------------

template <typename T>
class Stack {
public:
    void push(T value);
    T pop();
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }

    template <typename F>
    void for_each(F fn) const {
        for (const T& item : items_) fn(item);
    }

private:
    std::vector<T> items_;
};

template <typename T>
void Stack<T>::push(T value) {
    items_.push_back(std::move(value));
}

template <typename T>
T Stack<T>::pop() {
    T top = std::move(items_.back());
    items_.pop_back();
    return top;
}

template class Stack<int>;  // explicit instantiation definition

template <typename T>
class Box {
public:
    explicit Box(T value) : value_(std::move(value)) {}
    const T& get() const { return value_; }

private:
    T value_;
};

// A non-template class with a member template and an ordinary member.
class Formatter {
public:
    template <typename T>
    std::string wrap(const T& value) const {
        return open() + stringify(value) + "]";
    }

private:
    std::string open() const;
};

std::string Formatter::open() const { return "["; }

// ---- lambdas inside ordinary functions --------------------------------------

int lambda_captures() {
    int base = 10;
    auto add_base = [base](int x) { return x + base; };
    int total = 0;
    auto accumulate = [&total](int x) { total += x; };
    accumulate(add_base(1));
    accumulate(add_base(2));
    auto ticker = [n = 0]() mutable { return ++n; };
    ticker();
    ticker();
    return total + ticker();
}

// Captures of every kind: the build gives each closure its anchor
// (insert_closure_anchor()), which must change nothing the program sees.
struct Meter {
    int scale = 3;
    int read(int x) const {
        int offset = 1;
        auto by_copy = [=] { return x * scale + offset; };
        auto by_reference = [&, this](int y) { offset += y * scale; };
        by_reference(2);
        return by_copy() + offset;
    }
};

int captures_of_every_kind() {
    auto owned = std::make_unique<int>(4);
    auto take = [p = std::move(owned)](int x) { return *p + x; };
    int counter = 0;
    auto count = [counter]() mutable { return ++counter; };
    count();
    const std::string word = "ab";
    auto size_of = [&word, copy = word](std::size_t extra) { return word.size() + copy.size() + extra; };
    auto nothing_used = [&] { return 5; };
    auto stateful = [=, calls = 0]() mutable { return ++calls + counter; };
    stateful();
    return take(1) + count() + static_cast<int>(size_of(1)) + nothing_used() + stateful() +
           Meter{}.read(2);
}

int fibonacci(int n) {
    std::function<int(int)> fib = [&fib](int k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); };
    return fib(n);
}

int factorial_by_self(int n) {
    auto fact = [](auto self, int k) -> int { return k <= 1 ? 1 : k * self(self, k - 1); };
    return fact(fact, n);
}

int add_with_maker(int a, int b) {
    auto make_adder = [](int x) { return [x](int y) { return x + y; }; };
    return make_adder(a)(b);
}

int via_function_pointer(int x) {
    Callback cb = [](int v) { return v * 3; };
    return apply(cb, x) + apply(+[](int v) { return v - 1; }, x);
}

int transform(int x, int (*fn)(int) = [](int v) { return v + 1000; }) { return fn(x); }

std::vector<std::string> sorted_words() {
    std::vector<std::string> words = {"pear", "fig", "banana", "kiwi", "apple"};
    std::sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    return words;
}

std::string letter_histogram(const std::string& text) {
    std::map<char, int> counts;
    std::for_each(text.begin(), text.end(), [&counts](char c) { ++counts[c]; });
    std::string out;
    for (const auto& [letter, count] : counts) out += std::string(1, letter) + std::to_string(count);
    return out;
}

// ---- driver -----------------------------------------------------------------

void run_templates_and_lambdas() {
    const char* f = "templates_and_lambdas";

    report(f, "cube(4)", cube(4));
    report(f, "max_of(3, 9)", max_of(3, 9));
    report(f, "max_of<std::string>", max_of<std::string>("apple", "pear"));
    report(f, "sum_all(1, 2, 3, 4)", sum_all(1, 2, 3, 4));
    report(f, "sum_all()", sum_all());
    report(f, "type_tag<int>()", type_tag<int>());
    report(f, "type_tag<double>()", type_tag<double>());
    report(f, "stringify(12)", stringify(12));

    Stack<int> ints;
    for (int i = 1; i <= kLimit; ++i) ints.push(i * 10);
    int popped = ints.pop();
    report(f, "Stack<int>::pop()", popped);
    int seen = 0;
    ints.for_each([&seen](int v) { seen += v; });
    report(f, "Stack<int>::for_each sum", seen);

    Stack<std::string> strings;
    strings.push("x");
    strings.push("y");
    report(f, "Stack<string>::size()", strings.size());
    report(f, "Stack<string>::pop()", strings.pop());

    Box box{std::string("boxed")};  // class template argument deduction
    report(f, "Box{string}.get()", box.get());
    Formatter fmt;
    report(f, "Formatter::wrap(7)", fmt.wrap(7));
    report(f, "Formatter::wrap(\"hi\")", fmt.wrap("hi"));

    report(f, "lambda_captures()", lambda_captures());
    report(f, "captures_of_every_kind()", captures_of_every_kind());
    report(f, "fibonacci(10) via std::function", fibonacci(10));
    report(f, "factorial_by_self(5)", factorial_by_self(5));
    report(f, "add_with_maker(2, 40)", add_with_maker(2, 40));
    report(f, "via_function_pointer(5)", via_function_pointer(5));
    report(f, "transform(1) with lambda default arg", transform(1));
    report(f, "transform(1, negate)", transform(1, [](int v) { return -v; }));

    std::string joined;
    for (const auto& w : sorted_words()) joined += w + " ";
    report(f, "sorted_words()", joined);
    report(f, "letter_histogram(\"banana\")", letter_histogram("banana"));

    const int config = [] {
        int v = 0;
        for (int i = 0; i < kLimit; ++i) v += i;
        return v;
    }();
    report(f, "immediately invoked lambda", config);
    constexpr auto square = [](int x) { return x * x; };
    static_assert(square(4) == 16, "constexpr lambda");
    auto show = [](const auto& v) { return "<" + stringify(v) + ">"; };
    report(f, "generic lambda", show(3) + show("s"));
}

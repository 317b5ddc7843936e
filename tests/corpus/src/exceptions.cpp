// Exercises exceptions: custom exception types, cross-function throw/catch, function-try-blocks, noexcept, [[noreturn]].
#include "corpus.h"

#include <cctype>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace {
std::string g_trail;  // records construction, unwinding and handler activity
}

std::string exceptions_trail() { return g_trail; }

// ---- exception types --------------------------------------------------------

class CorpusError : public std::exception {
public:
    CorpusError(std::string message, int code) : message_(std::move(message)), code_(code) {}
    const char* what() const noexcept override { return message_.c_str(); }
    int code() const noexcept { return code_; }

private:
    std::string message_;
    int code_;
};

class ParseError : public CorpusError {
public:
    using CorpusError::CorpusError;  // inheriting constructor
};

// ---- throwing in one function, catching in another --------------------------

[[noreturn]] void fail(const std::string& why, int code) { throw CorpusError(why, code); }

int parse_digit(char c) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw ParseError(std::string("not a digit: ") + c, 2);
    return c - '0';
}

int parse_number(const std::string& text) {
    int value = 0;
    for (char c : text) value = value * 10 + parse_digit(c);
    return value;
}

std::string try_parse(const std::string& text) {
    try {
        return std::to_string(parse_number(text));
    } catch (const ParseError& e) {
        return std::string("ParseError(") + e.what() + ", code " + std::to_string(e.code()) + ")";
    }
}

// ---- function-try-blocks ----------------------------------------------------

int checked_div(int a, int b) try {
    if (b == 0) fail("division by zero", 3);
    return a / b;
} catch (const CorpusError& e) {
    return -e.code();
}

void log_attempt(int x) try {
    if (x < 0) throw std::invalid_argument("negative");
    g_trail += "ok;";
} catch (const std::invalid_argument& e) {
    g_trail += std::string(e.what()) + ";";
}

class Resource {
public:
    explicit Resource(int size);
    int size() const { return size_; }

private:
    static int validated(int size);
    int size_;
};

int Resource::validated(int size) {
    if (size < 0) throw CorpusError("negative size", 4);
    return size;
}

Resource::Resource(int size) try : size_(validated(size)) {
    g_trail += "R+;";
} catch (const CorpusError&) {
    g_trail += "R!;";  // the handler of a constructor function-try-block rethrows implicitly
}

// ---- unwinding through destructors, rethrow ---------------------------------

class Guard {
public:
    explicit Guard(char tag) : tag_(tag) { g_trail += std::string("+") + tag_; }
    ~Guard() { g_trail += std::string("-") + tag_; }

private:
    char tag_;
};

void descend(int depth) {
    Guard g(static_cast<char>('a' + depth));
    try {
        if (depth == 0) throw CorpusError("bottom", 7);
        descend(depth - 1);
    } catch (const CorpusError&) {
        g_trail += std::to_string(depth);
        throw;
    }
}

int run_descend() {
    try {
        descend(2);
    } catch (const CorpusError& e) {
        g_trail += ";";
        return e.code();
    }
    return 0;
}

// ---- noexcept ---------------------------------------------------------------

int swallow(int x) noexcept {
    try {
        if (x > 5) throw std::out_of_range("too big");
        return x;
    } catch (const std::exception&) {
        return -1;
    }
}

int conditionally_noexcept(int x) noexcept(sizeof(int) >= 2) { return x + 1; }

std::exception_ptr capture_failure() {
    try {
        parse_number("4x");
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

std::string inspect(const std::exception_ptr& ep) {
    try {
        std::rethrow_exception(ep);
    } catch (const std::exception& e) {
        return e.what();
    }
}

int throw_non_class() {
    try {
        throw 42;
    } catch (int code) {
        return code;
    }
}

// ---- driver -----------------------------------------------------------------

void run_exceptions() {
    const char* f = "exceptions";

    report(f, "try_parse(\"123\")", try_parse("123"));
    report(f, "try_parse(\"12a\")", try_parse("12a"));
    report(f, "checked_div(10, 2)", checked_div(10, 2));
    report(f, "checked_div(1, 0) caught by function-try-block", checked_div(1, 0));
    try {
        fail("direct", 9);
    } catch (const CorpusError& e) {
        report(f, "[[noreturn]] fail() caught", std::string(e.what()) + "/" + std::to_string(e.code()));
    }

    log_attempt(1);
    log_attempt(-1);
    Resource good(3);
    report(f, "Resource(3).size()", good.size());
    try {
        Resource bad(-1);
        report(f, "Resource(-1) unexpectedly constructed", bad.size());
    } catch (const CorpusError& e) {
        report(f, "Resource(-1) rethrown from ctor handler", e.what());
    }
    report(f, "run_descend() code", run_descend());

    report(f, "swallow(3)", swallow(3));
    report(f, "swallow(8)", swallow(8));
    report(f, "conditionally_noexcept(1)", conditionally_noexcept(1));
    report(f, "noexcept(swallow(0))", noexcept(swallow(0)));
    report(f, "noexcept(checked_div(1, 1))", noexcept(checked_div(1, 1)));
    report(f, "inspect(capture_failure())", inspect(capture_failure()));
    report(f, "throw_non_class()", throw_non_class());

    auto thrower = [](int v) -> int {
        if (v > 0) throw std::runtime_error("lambda threw " + std::to_string(v));
        return v;
    };
    try {
        thrower(5);
    } catch (const std::runtime_error& e) {
        report(f, "exception from lambda", e.what());
    }
}

// Shared declarations for the softpatch corpus: common types, cross-file functions and the report helper.
#pragma once

#include <iostream>
#include <string>
#include <vector>

// Every check prints exactly one line: "<file>: <what> -> <value>".
template <typename T>
void report(const char* file, const std::string& what, const T& value) {
    std::cout << file << ": " << what << " -> " << value << '\n';
}

// A function defined in the header; the rewriter only touches .cpp files.
inline std::string join_ints(const std::vector<int>& values) {
    std::string out;
    for (int v : values) {
        if (!out.empty()) out += ",";
        out += std::to_string(v);
    }
    return "[" + out + "]";
}

enum class Color { Red, Green, Blue };
using Callback = int (*)(int);
typedef long long i64;

constexpr int kCorpusVersion = 1;

// Global mutable state, defined in free_functions.cpp and bumped from several files.
extern int g_calls;

// A class declared here whose members are all defined out of line in members.cpp.
class Counter {
public:
    explicit Counter(int start = 0);

    Counter& add(int n);
    int value() const;
    static int created();

    Counter operator+(const Counter& other) const;
    bool operator==(const Counter& other) const;
    int operator()(int x) const;
    Counter& operator++();    // prefix
    Counter operator++(int);  // postfix

private:
    int clamp(int n) const;
    static int s_created;
    int value_;
};

std::ostream& operator<<(std::ostream& os, const Counter& c);

// Defined in free_functions.cpp.
extern "C" {
int c_add(int a, int b);
int sum_c(int n, ...);
}
int apply(Callback cb, int x);

// One entry point per corpus file.
void run_free_functions();
void run_members();
void run_special();
void run_templates_and_lambdas();
void run_macros();
void run_exceptions();
void run_edge_cases();
void run_template_edges();
void run_type_spellings();

// Accessors for file-scope state, printed by main.
int free_functions_counter();
int free_functions_base();
std::vector<int> special_events();
int templates_limit();
std::string exceptions_trail();
int where_am_i();

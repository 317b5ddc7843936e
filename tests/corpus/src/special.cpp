// Exercises special members: constructors/destructors with side effects, defaulted/deleted functions, move-only types, conversions.
#include "corpus.h"

#include <string>
#include <utility>
#include <vector>

namespace {
std::vector<int> g_events;  // anonymous-namespace mutable state: +id on construction, -id on destruction
}

std::vector<int> special_events() { return g_events; }

// ---- constructors and destructors with side effects -------------------------

class Tracer {
public:
    explicit Tracer(int id) : id_(id) { g_events.push_back(id_); }
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;
    ~Tracer() { g_events.push_back(-id_); }

    int id() const { return id_; }

private:
    int id_;
};

Tracer make_tracer(int id) { return Tracer(id); }  // guaranteed copy elision, no copy/move needed

void scoped_tracers() {
    Tracer a(1);
    {
        Tracer b(2);
        Tracer c(3);
    }
    Tracer d(4);
}

struct Base {
    Base() { g_events.push_back(10); }
    virtual ~Base() { g_events.push_back(-10); }
};

struct Derived : Base {
    Derived();
    ~Derived() override;

    Tracer member{11};
};

Derived::Derived() { g_events.push_back(12); }
Derived::~Derived() { g_events.push_back(-12); }

// ---- defaulted and deleted --------------------------------------------------

struct Point {
    int x = 1;
    int y = 2;

    Point() = default;
    Point(int px, int py) : x(px), y(py) {}
    Point(const Point&) = default;
    Point& operator=(const Point&) = default;

    bool operator==(const Point& o) const { return x == o.x && y == o.y; }
};

class Widget {
public:
    Widget();
    ~Widget();
    Widget(const Widget&) = delete;
    Widget& operator=(const Widget&) = delete;

    int size() const { return size_; }

private:
    int size_ = 3;
};

Widget::Widget() = default;  // defaulted out of line: a definition with no body
Widget::~Widget() = default;

// ---- move-only types passed by value ----------------------------------------

class Handle {
public:
    explicit Handle(int resource) : resource_(resource) {}
    Handle(Handle&& other) noexcept;
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle();

    int get() const { return resource_; }
    bool valid() const { return resource_ != 0; }

private:
    void release();
    int resource_;
};

Handle::Handle(Handle&& other) noexcept : resource_(std::exchange(other.resource_, 0)) {}

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        release();
        resource_ = std::exchange(other.resource_, 0);
    }
    return *this;
}

Handle::~Handle() { release(); }

void Handle::release() {
    if (resource_ != 0) g_events.push_back(1000 + resource_);
    resource_ = 0;
}

int take_handle(Handle h) { return h.get() * 2; }

Handle make_handle(int resource) {
    Handle h(resource);
    return h;
}

// ---- conversions, delegating and explicit constructors ----------------------

class Ratio {
public:
    Ratio(int num, int den) : num_(num), den_(den) {}
    explicit Ratio(int whole) : Ratio(whole, 1) {}  // delegating

    explicit operator bool() const { return den_ != 0; }
    operator int() const;

private:
    int num_;
    int den_;
};

Ratio::operator int() const { return den_ == 0 ? 0 : num_ / den_; }

class Meters {
public:
    Meters(int value) : value_(value) {}  // implicit converting constructor
    Meters() : Meters(0) {}
    int value() const { return value_; }

private:
    int value_;
};

int total_length(Meters a, Meters b) { return a.value() + b.value(); }

// A function-local static with a dynamic initialiser.
int table_size() {
    static const std::vector<int> table = [] {
        std::vector<int> t;
        for (int i = 0; i < 6; ++i) t.push_back(i * i);
        return t;
    }();
    return static_cast<int>(table.size());
}

// ---- driver -----------------------------------------------------------------

void run_special() {
    const char* f = "special";

    scoped_tracers();
    report(f, "events after scoped_tracers()", join_ints(g_events));
    g_events.clear();

    int temp_id = Tracer(5).id();
    report(f, "temporary Tracer(5).id()", temp_id);
    {
        Tracer made = make_tracer(6);
        Tracer pair[2] = {Tracer(7), make_tracer(8)};
        report(f, "array of Tracer ids", pair[0].id() + pair[1].id() + made.id());
    }
    report(f, "events after temporaries and arrays", join_ints(g_events));
    g_events.clear();

    {
        Base* b = new Derived();
        delete b;
    }
    report(f, "events for Derived via Base*", join_ints(g_events));
    g_events.clear();

    Point p;
    Point q(1, 2);
    Point r(5, 6);
    p = r;
    report(f, "Point default == Point(1, 2)", Point() == q);
    report(f, "Point after defaulted copy-assign", std::to_string(p.x) + "," + std::to_string(p.y));
    Widget w;
    report(f, "Widget::size() with defaulted ctor", w.size());

    Handle h(7);
    Handle moved(std::move(h));
    report(f, "moved-from Handle valid()", h.valid());
    int doubled = take_handle(std::move(moved));
    report(f, "take_handle(Handle(7))", doubled);
    Handle made = make_handle(8);
    Handle other(9);
    made = std::move(other);
    report(f, "Handle after move-assign", made.get());
    report(f, "events from Handle releases", join_ints(g_events));

    Ratio half(7, 2);
    Ratio broken(1, 0);
    int as_int = half;
    report(f, "Ratio(7, 2) operator int", as_int);
    report(f, "Ratio(7, 2) explicit operator bool", static_cast<bool>(half));
    report(f, "Ratio(1, 0) explicit operator bool", broken ? "true" : "false");
    report(f, "Ratio(9) via delegating ctor", static_cast<int>(Ratio(9)));
    report(f, "total_length(3, Meters(4))", total_length(3, Meters(4)));
    report(f, "Meters() default via delegation", Meters().value());
    report(f, "table_size()", table_size());
    report(f, "table_size() again", table_size());
}

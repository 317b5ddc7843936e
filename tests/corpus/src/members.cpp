// Exercises member functions: const/volatile/ref-qualified, static, virtual, operators, nested and local classes, friends.
#include "corpus.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

// ---- Counter (declared in corpus.h, every member defined out of line) -------

int Counter::s_created = 0;

Counter::Counter(int start) : value_(start) { ++s_created; }

Counter& Counter::add(int n) {
    value_ = clamp(value_ + n);
    return *this;
}

int Counter::value() const { return value_; }

int Counter::created() { return s_created; }

int Counter::clamp(int n) const { return n > 1000 ? 1000 : (n < -1000 ? -1000 : n); }

Counter Counter::operator+(const Counter& other) const { return Counter(clamp(value_ + other.value_)); }

bool Counter::operator==(const Counter& other) const { return value_ == other.value_; }

int Counter::operator()(int x) const { return value_ * x; }

Counter& Counter::operator++() {
    add(1);
    return *this;
}

Counter Counter::operator++(int) {
    Counter before = *this;
    add(1);
    return before;
}

std::ostream& operator<<(std::ostream& os, const Counter& c) { return os << "Counter{" << c.value() << "}"; }

// ---- ref-qualified members --------------------------------------------------

class Name {
public:
    explicit Name(std::string text) : text_(std::move(text)) {}

    const std::string& text() const& { return text_; }
    std::string text() && { return std::move(text_) + " (moved out)"; }

    const char* kind() & { return "lvalue"; }
    const char* kind() &&;

private:
    std::string text_;
};

const char* Name::kind() && { return "rvalue"; }

// ---- volatile-qualified members ---------------------------------------------

class Sensor {
public:
    explicit Sensor(int raw) : raw_(raw) {}

    int read() const { return raw_; }
    int read() const volatile;

    const char* which() { return "plain"; }
    const char* which() volatile { return "volatile"; }

private:
    int raw_;
};

int Sensor::read() const volatile { return raw_ * 10; }

// ---- virtual dispatch -------------------------------------------------------

class Shape {
public:
    virtual ~Shape();
    virtual int area() const = 0;
    virtual std::string name() const { return "shape"; }
    std::string summary() const;
};

Shape::~Shape() { ++g_calls; }

int Shape::area() const { return 0; }  // a pure virtual with a definition

std::string Shape::summary() const { return name() + "=" + std::to_string(area()); }

class Rect : public Shape {
public:
    Rect(int w, int h) : w_(w), h_(h) {}
    int area() const override;
    std::string name() const override { return "rect:" + Shape::name(); }

private:
    int w_;
    int h_;
};

int Rect::area() const { return Shape::area() + w_ * h_; }

class Square final : public Rect {
public:
    explicit Square(int side) : Rect(side, side) {}
    std::string name() const override;
};

std::string Square::name() const { return "square:" + Rect::name(); }

// ---- nested classes ---------------------------------------------------------

class Outer {
public:
    class Inner {
    public:
        explicit Inner(int v);
        int doubled() const;

        struct Deepest {
            static int level();
        };

    private:
        int v_;
    };

    Inner make(int v) const;
    auto make_twice(int v) const -> Inner;
};

Outer::Inner::Inner(int v) : v_(v) {}

int Outer::Inner::doubled() const { return v_ * 2; }

int Outer::Inner::Deepest::level() { return 3; }

Outer::Inner Outer::make(int v) const { return Inner(v + 1); }

auto Outer::make_twice(int v) const -> Inner { return make(make(v).doubled()); }

// ---- static members, private helpers ----------------------------------------

class IdGen {
public:
    static int next() { return advance(1); }
    static int skip(int n);

private:
    static int advance(int step);
    static int s_next;
};

int IdGen::s_next = 0;

int IdGen::advance(int step) {
    s_next += step;
    return s_next;
}

int IdGen::skip(int n) { return advance(n); }

class Account {
public:
    explicit Account(int balance) : balance_(balance) {}

    bool withdraw(int amount) {
        if (!can_cover(amount)) return false;
        apply_debit(amount);
        return true;
    }
    int balance() const { return balance_; }

private:
    bool can_cover(int amount) const { return amount <= balance_; }
    void apply_debit(int amount);

    int balance_;
};

void Account::apply_debit(int amount) { balance_ -= amount; }

// ---- friends and subscript operators ----------------------------------------

namespace {
class Vec2 {
public:
    Vec2(int x, int y) : x_(x), y_(y) {}

    friend int dot(const Vec2& a, const Vec2& b) { return a.x_ * b.x_ + a.y_ * b.y_; }
    friend Vec2 operator-(const Vec2& v) { return Vec2(-v.x_, -v.y_); }
    friend std::ostream& operator<<(std::ostream& os, const Vec2& v) {
        return os << '(' << v.x_ << ',' << v.y_ << ')';
    }

    int operator[](int i) const { return i == 0 ? x_ : y_; }
    int& operator[](int i) { return i == 0 ? x_ : y_; }

private:
    int x_;
    int y_;
};
}  // namespace

// ---- a local class ----------------------------------------------------------

int local_class_sum(int n) {
    struct Accumulator {
        int total = 0;
        void add(int v) { total += v; }
        int result() const { return total; }
    };
    Accumulator acc;
    for (int i = 1; i <= n; ++i) acc.add(i);
    return acc.result();
}

// ---- driver -----------------------------------------------------------------

void run_members() {
    const char* f = "members";

    Counter c(2);
    report(f, "Counter(2).add(3)", c.add(3).value());
    report(f, "Counter::operator()(4)", c(4));
    Counter d = c + Counter(10);
    report(f, "Counter::operator+", d.value());
    report(f, "Counter::operator== (equal)", c == Counter(5));
    report(f, "Counter::operator== (different)", c == d);
    report(f, "Counter clamp via add(5000)", Counter(0).add(5000).value());
    Counter old = c++;
    report(f, "postfix ++ returned", old.value());
    report(f, "prefix ++ result", (++c).value());
    report(f, "operator<<(ostream&, Counter)", c);
    int (Counter::*getter)() const = &Counter::value;
    report(f, "member pointer call", (d.*getter)());
    report(f, "Counter::created()", Counter::created());

    Name n("alice");
    report(f, "Name::text() const&", n.text());
    report(f, "Name::kind() &", n.kind());
    report(f, "Name::kind() &&", Name("tmp").kind());
    report(f, "Name::text() &&", std::move(n).text());

    Sensor s(4);
    volatile Sensor vs(6);
    report(f, "Sensor::read() const", s.read());
    report(f, "Sensor::read() const volatile", vs.read());
    report(f, "Sensor::which()", s.which());
    report(f, "Sensor::which() volatile", vs.which());

    std::vector<std::unique_ptr<Shape>> shapes;
    shapes.push_back(std::make_unique<Rect>(2, 3));
    shapes.push_back(std::make_unique<Square>(4));
    for (const auto& shape : shapes) report(f, "Shape::summary() via base", shape->summary());
    const Shape& base_ref = *shapes.back();
    report(f, "virtual area() via base ref", base_ref.area());
    shapes.clear();

    Outer outer;
    report(f, "Outer::Inner::doubled()", outer.make(4).doubled());
    report(f, "Outer::make_twice(1).doubled()", outer.make_twice(1).doubled());
    report(f, "Outer::Inner::Deepest::level()", Outer::Inner::Deepest::level());

    int first = IdGen::next();
    int second = IdGen::next();
    int skipped = IdGen::skip(10);
    report(f, "IdGen::next(), next(), skip(10)",
           std::to_string(first) + "," + std::to_string(second) + "," + std::to_string(skipped));

    Account acct(50);
    bool ok = acct.withdraw(20);
    bool refused = acct.withdraw(100);
    report(f, "Account::withdraw(20) ok", ok);
    report(f, "Account::withdraw(100) ok", refused);
    report(f, "Account::balance()", acct.balance());

    Vec2 a(1, 2);
    Vec2 b(3, 4);
    report(f, "friend dot(a, b)", dot(a, b));
    report(f, "friend operator-(a)", -a);
    a[1] = 9;
    const Vec2& ca = a;
    report(f, "Vec2 operator[] after write", ca[1]);

    report(f, "local_class_sum(4)", local_class_sum(4));
}

// An instrumented library that the tests load with dlopen and unload again.
namespace plugin {
int twice(int x) { return 2 * x; }
}  // namespace plugin

extern "C" int plugin_twice(int x) { return plugin::twice(x); }

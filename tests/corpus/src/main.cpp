// Drives every corpus file in a fixed order and prints the final values of file-scope state.
#include "corpus.h"

#include <cassert>

int main() {
    assert(true);
    report("main", "kCorpusVersion", kCorpusVersion);

    run_free_functions();
    run_members();
    run_special();
    run_templates_and_lambdas();
    run_macros();
    run_exceptions();
    run_edge_cases();
    run_template_edges();
    run_type_spellings();

    report("state", "g_calls", g_calls);
    report("state", "free_functions static s_counter", free_functions_counter());
    report("state", "free_functions static const kBase", free_functions_base());
    report("state", "special anonymous-namespace events", join_ints(special_events()));
    report("state", "templates_and_lambdas constexpr kLimit", templates_limit());
    report("state", "exceptions trail", exceptions_trail());
    report("state", "Counter::created()", Counter::created());
    report("state", "where_am_i()", where_am_i());
    std::cout << "corpus: done\n";
    return 0;
}

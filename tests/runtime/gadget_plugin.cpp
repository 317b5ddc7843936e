// Built twice, as two plugins (GADGET_ENTRY names each one's entry).
#include "gadget.h"

extern "C" int GADGET_ENTRY(int x) { return gadget::value(x); }

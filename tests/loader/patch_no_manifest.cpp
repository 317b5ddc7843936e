// A library that is not a patch.
int answer() { return 7; }

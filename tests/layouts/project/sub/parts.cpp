int part_count() { return 7; }

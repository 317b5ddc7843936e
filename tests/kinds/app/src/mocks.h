#pragma once

#include <string>

// What the mocks of shop.cpp's constructors and destructor saw.
std::string mock_report();

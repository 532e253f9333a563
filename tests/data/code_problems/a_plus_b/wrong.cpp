#include <iostream>

// 32-bit ints: reading the large test fails and prints garbage.
int main() {
    int t;
    std::cin >> t;
    for (int i = 0; i < t; ++i) {
        int a = 0, b = 0;
        std::cin >> a >> b;
        std::cout << a + b << '\n';
    }
}

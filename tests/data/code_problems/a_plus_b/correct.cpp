#include <iostream>

int main() {
    std::ios::sync_with_stdio(false);
    int t;
    std::cin >> t;
    for (long long a, b; t-- > 0 && std::cin >> a >> b;) std::cout << a + b << '\n';
}

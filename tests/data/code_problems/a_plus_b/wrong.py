# Off by one: never answers the last pair.
t = int(input())
for _ in range(t - 1):
    a, b = map(int, input().split())
    print(a + b)

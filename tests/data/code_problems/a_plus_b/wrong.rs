use std::io::{self, Read};

// i32: parsing the large test panics.
fn main() {
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).unwrap();
    let mut tokens = input.split_whitespace();
    let t: usize = tokens.next().unwrap().parse().unwrap();
    for _ in 0..t {
        let a: i32 = tokens.next().unwrap().parse().unwrap();
        let b: i32 = tokens.next().unwrap().parse().unwrap();
        println!("{}", a + b);
    }
}

public class Main {
    public static void main(String[] args) {
        int x = "a string";
        System.out.println(x);
    }
}

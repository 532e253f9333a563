import java.io.BufferedReader;
import java.io.InputStreamReader;

public class Solution {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int t = Integer.parseInt(in.readLine().trim());
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < t; i++) {
            String[] parts = in.readLine().trim().split("\\s+");
            out.append(Long.parseLong(parts[0]) + Long.parseLong(parts[1])).append('\n');
        }
        System.out.print(out);
    }
}

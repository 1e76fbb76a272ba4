import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * EPUBCheck's own command line, run many times in one JVM. The suite checks dozens of EPUBs; each fresh JVM spent
 * 8-14 s of CPU starting up and compiling EPUBCheck's schemas, a warm one checks a small EPUB in about half a second.
 * One request per line on stdin (the command line's arguments, separated by tabs); each answer on stdout is
 * "<exit code> <length of the report in bytes>\n" followed by the report (what the command line would print).
 * Run with the jar on the class path: java -cp epubcheck.jar EpubCheckServer.java
 */
public class EpubCheckServer {
  public static void main(String[] unused) throws Exception {
    BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream answers = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
    PrintStream errors = System.err;
    String request;
    while ((request = requests.readLine()) != null) {
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      PrintStream report = new PrintStream(captured, true, "UTF-8");
      System.setOut(report);
      System.setErr(report);
      int code;
      try {
        code = new com.adobe.epubcheck.tool.EpubChecker().run(request.split("\t"));
      } catch (Throwable failure) {
        failure.printStackTrace(report);
        code = 99;
      }
      report.flush();
      System.setOut(answers);
      System.setErr(errors);
      byte[] bytes = captured.toByteArray();
      answers.print(code + " " + bytes.length + "\n");
      answers.write(bytes);
      answers.flush();
    }
  }
}

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * EPUBCheck's own command line, run many times in one JVM. The suite checks dozens of EPUBs; each fresh JVM spent
 * 8-14 s of CPU starting up and compiling EPUBCheck's schemas, a warm one checks a small EPUB in about half a second.
 * It listens on the Unix socket named by its one argument, shared by every pytest worker of a run: one connection
 * per request, one request at a time. A request is a line of the command line's arguments separated by tabs; the
 * answer is "<exit code> <length of the report in bytes>\n" followed by the report (what the command line would
 * print). It exits once no request has come for IDLE_SECONDS (the run is over).
 * Run with the jar on the class path: java -cp epubcheck.jar EpubCheckServer.java SOCKET
 */
public class EpubCheckServer {
  static final long IDLE_SECONDS = 60;
  static volatile long lastRequest = System.nanoTime();
  static volatile boolean busy = false;

  public static void main(String[] arguments) throws Exception {
    Path socket = Path.of(arguments[0]);
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread idle = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException stop) {
          return;
        }
        if (!busy && System.nanoTime() - lastRequest > IDLE_SECONDS * 1_000_000_000L) {
          try {  // and the clients' lock file beside it, so that a run leaves nothing behind
            Files.deleteIfExists(socket);
            Files.deleteIfExists(Path.of(arguments[0].replaceAll("\\.sock$", ".lock")));
          } catch (Exception ignored) {
          }
          Runtime.getRuntime().halt(0);
        }
      }
    });
    idle.setDaemon(true);
    idle.start();
    PrintStream out = System.out, err = System.err;
    while (true) {
      try (SocketChannel client = server.accept()) {
        busy = true;
        InputStream input = Channels.newInputStream(client);
        String request = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8)).readLine();
        if (request == null) {
          continue;
        }
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
        System.setOut(out);
        System.setErr(err);
        byte[] bytes = captured.toByteArray();
        OutputStream answer = Channels.newOutputStream(client);
        answer.write((code + " " + bytes.length + "\n").getBytes(StandardCharsets.UTF_8));
        answer.write(bytes);
        answer.flush();
      } catch (Exception broken) {
        // a client that went away: serve the next one
      } finally {
        lastRequest = System.nanoTime();
        busy = false;
      }
    }
  }
}

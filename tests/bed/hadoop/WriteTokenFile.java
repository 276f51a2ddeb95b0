// Writes a Hadoop Credentials file (what HADOOP_TOKEN_FILE_LOCATION names)
// holding tokens made from the arguments, with Hadoop's own classes, and
// prints each token's Token.encodeToUrlString() (what HADOOP_TOKEN holds).
// For the HDFS store's tests (tests/bed/tests/test_store_hdfs.py) and the
// fixtures of src/store/hadoop_token_test.cc.
//
//   java -cp 'JARS/*' tests/bed/hadoop/WriteTokenFile.java OUT FORMAT ALIAS=KIND@SERVICE:ID:PASSWORD...
//
// FORMAT: protobuf (version 1, what Hadoop 3 writes) or writable (version 0).
// ID and PASSWORD are UTF-8 text (no ':'), KIND and SERVICE as Hadoop spells them.
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.security.token.TokenIdentifier;

public class WriteTokenFile {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: WriteTokenFile OUT protobuf|writable ALIAS=KIND@SERVICE:ID:PASSWORD...");
      System.exit(2);
    }
    Credentials creds = new Credentials();
    for (int i = 2; i < args.length; i++) {
      String spec = args[i];
      int eq = spec.indexOf('=');
      int at = spec.lastIndexOf('@');
      String[] rest = spec.substring(at + 1).split(":");
      // SERVICE may hold one ':' (host:port): ID and PASSWORD are the last two.
      String password = rest[rest.length - 1];
      String id = rest[rest.length - 2];
      String service = String.join(":", java.util.Arrays.copyOf(rest, rest.length - 2));
      Token<TokenIdentifier> token = new Token<>(id.getBytes(StandardCharsets.UTF_8),
          password.getBytes(StandardCharsets.UTF_8), new Text(spec.substring(eq + 1, at)),
          new Text(service));
      creds.addToken(new Text(spec.substring(0, eq)), token);
      System.out.println(token.encodeToUrlString());
    }
    try (DataOutputStream out = new DataOutputStream(new FileOutputStream(new File(args[0])))) {
      if (args[1].equals("writable")) {
        out.write("HDTS".getBytes(StandardCharsets.UTF_8));
        out.write(0);
        creds.write(out);
      } else {
        creds.writeTokenStorageToStream(out, Credentials.SerializedFormat.PROTOBUF);
      }
    }
  }
}

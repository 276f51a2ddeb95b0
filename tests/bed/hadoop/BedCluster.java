// The test bed's HDFS + YARN: one JVM running Hadoop's MiniDFSCluster (1 NameNode,
// 1 DataNode, WebHDFS) and MiniYARNCluster (1 ResourceManager, 1 NodeManager) on
// fixed 127.0.0.1 ports, then writing client configuration for HADOOP_CONF_DIR.
//
// Run with Java's single-file source launcher (no javac step), from the folder
// that should hold YARN's work dirs (MiniYARNCluster uses ./target/test/data/<name>):
//
//   java -cp 'JARS/*' tests/bed/hadoop/BedCluster.java KEY=VALUE...
//
// Keys (all required unless a default is shown):
//   data=DIR           HDFS storage (kept across restarts; formatted when empty
//                      or when format=true)
//   conf=DIR           where core-site.xml, hdfs-site.xml, yarn-site.xml go
//   user=NAME          gets /user/NAME; /tmp is made world-writable (1777)
//   nn.rpc nn.http dn.data dn.http dn.ipc
//   rm rm.scheduler rm.tracker rm.admin rm.web          ports
//   nm.memory.mb=4096 nm.vcores=4 format=false
//   control=PORT       optional: a loopback-only HTTP port for fault tests
//                      (POST /datanode/stop, /datanode/start,
//                      /datanode/restart?down_ms=N; see docs/bed-hadoop.md)
//
// Prints "BED-HADOOP-READY <fs.defaultFS> yarn-work=<dir>" on stdout once both
// clusters are up and the configuration is written. On SIGTERM/SIGINT stops YARN
// (which ends its containers) and HDFS, each within a bound, then halts. Any
// failure before that halts with status 1. Logging: pass -Dlog4j.configuration.
// tests/bed/services/hadoop runs it; docs/bed-hadoop.md explains the settings.
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

public class BedCluster {
  private static final String LOOPBACK = "127.0.0.1";

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // HDFS's threads would keep the JVM alive after main failed: exit.
      log("failed: " + t);
      t.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void run(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("argument '" + a + "': expected KEY=VALUE");
      }
      opts.put(a.substring(0, eq), a.substring(eq + 1));
    }
    File data = new File(need(opts, "data")).getAbsoluteFile();
    File confDir = new File(need(opts, "conf")).getAbsoluteFile();
    String user = need(opts, "user");

    // ---- HDFS ----
    Configuration dfsConf = new Configuration();
    dfsConf.setBoolean("dfs.permissions.enabled", true);
    dfsConf.setBoolean("dfs.webhdfs.enabled", true);
    dfsConf.setInt("dfs.replication", 1);
    dfsConf.setInt("dfs.namenode.safemode.extension", 0);
    dfsConf.setInt("dfs.namenode.safemode.min.datanodes", 0);
    // DataNode ports are taken from the configuration (checkDataNodeAddrConfig).
    dfsConf.set("dfs.datanode.address", addr(need(opts, "dn.data")));
    dfsConf.set("dfs.datanode.http.address", addr(need(opts, "dn.http")));
    dfsConf.set("dfs.datanode.ipc.address", addr(need(opts, "dn.ipc")));
    dfsConf.set("dfs.datanode.hostname", LOOPBACK);
    // The disk may be nearly full on small machines: do not reserve space.
    dfsConf.setLong("dfs.datanode.du.reserved", 0);

    boolean format = Boolean.parseBoolean(opts.getOrDefault("format", "false"))
        || !new File(data, "name-0-1/current/VERSION").isFile();
    log("HDFS: " + (format ? "formatting " : "reusing ") + data);
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(dfsConf, data)
        .nameNodePort(Integer.parseInt(need(opts, "nn.rpc")))
        .nameNodeHttpPort(Integer.parseInt(need(opts, "nn.http")))
        .numDataNodes(1)
        .format(format)
        .manageNameDfsDirs(true)
        .manageDataDfsDirs(true)
        .checkDataNodeAddrConfig(true)
        .waitSafeMode(true)
        .build();
    dfs.waitActive();
    String defaultFs = "hdfs://" + LOOPBACK + ":" + dfs.getNameNodePort();
    log("HDFS: up at " + defaultFs);

    // ---- YARN ----
    YarnConfiguration yarnConf = new YarnConfiguration(new Configuration(dfsConf));
    yarnConf.set("fs.defaultFS", defaultFs);
    // Without fixed.ports MiniYARNCluster replaces every RM address with host:0.
    yarnConf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    yarnConf.set(YarnConfiguration.RM_HOSTNAME, LOOPBACK);
    yarnConf.set(YarnConfiguration.RM_ADDRESS, addr(need(opts, "rm")));
    yarnConf.set(YarnConfiguration.RM_SCHEDULER_ADDRESS, addr(need(opts, "rm.scheduler")));
    yarnConf.set(YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, addr(need(opts, "rm.tracker")));
    yarnConf.set(YarnConfiguration.RM_ADMIN_ADDRESS, addr(need(opts, "rm.admin")));
    yarnConf.set(YarnConfiguration.RM_WEBAPP_ADDRESS, addr(need(opts, "rm.web")));
    // MiniYARNCluster overwrites yarn.nodemanager.resource.memory-mb; this key wins.
    String memory = opts.getOrDefault("nm.memory.mb", "4096");
    yarnConf.set("yarn.minicluster.yarn.nodemanager.resource.memory-mb", memory);
    yarnConf.set(YarnConfiguration.NM_PMEM_MB, memory);
    yarnConf.set(YarnConfiguration.NM_VCORES, opts.getOrDefault("nm.vcores", "4"));
    yarnConf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    yarnConf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    yarnConf.setFloat(
        YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    yarnConf.setLong(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, 0);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    yarnConf.set(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, memory);
    // capacity-scheduler.xml is not in the shaded jars: one queue with everything.
    yarnConf.set("yarn.scheduler.capacity.root.queues", "default");
    yarnConf.set("yarn.scheduler.capacity.root.default.capacity", "100");
    yarnConf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    yarnConf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
    // Containers run {{JAVA_HOME}}/bin/java: pass the NodeManager's JAVA_HOME on.
    // SPARK_LOCAL_IP too (services/hadoop sets it to 127.0.0.1), so that Spark's
    // driver (cluster mode) and executors bind to loopback: Spark otherwise picks a
    // non-loopback interface when the host name resolves to 127.0.0.1. (Not via
    // yarn.nodemanager.admin-env: that appends to a value the application sets,
    // giving "127.0.0.1:127.0.0.1".) A container's own value wins over these.
    yarnConf.set(YarnConfiguration.NM_ENV_WHITELIST,
        "JAVA_HOME,HADOOP_COMMON_HOME,HADOOP_HDFS_HOME,HADOOP_CONF_DIR,"
            + "HADOOP_YARN_HOME,HADOOP_MAPRED_HOME,PATH,LANG,TZ,SPARK_LOCAL_IP");
    // Keep container logs after an application ends (no log aggregation).
    yarnConf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, false);

    MiniYARNCluster yarn = new MiniYARNCluster("bed", 1, 1, 1, 1);
    yarn.init(yarnConf);
    yarn.start();
    if (!yarn.waitForNodeManagersToConnect(60_000)) {
      throw new IllegalStateException("the NodeManager did not register within 60 s");
    }
    log("YARN: ResourceManager at " + yarn.getConfig().get(YarnConfiguration.RM_ADDRESS));

    // Stop both clusters on TERM/INT (the NodeManager then ends its containers).
    // A signal handler, not a shutdown hook: MiniDFSCluster.shutdown() removes
    // hooks of its own, which is refused while the JVM is shutting down. Each
    // stop is bounded so that `bed down` (TERM, then KILL after 20 s) stays quick.
    Object stopping = new Object();
    sun.misc.SignalHandler stop = sig -> {
      synchronized (stopping) {
        log("SIG" + sig.getName() + ": stopping YARN");
        bounded("YARN", yarn::stop, 10);
        log("stopping HDFS");
        bounded("HDFS", dfs::shutdown, 5);
        log("stopped");
        Runtime.getRuntime().halt(0);
      }
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);

    // ---- folders every client expects ----
    FileSystem fs = dfs.getFileSystem();
    Path tmp = new Path("/tmp");
    fs.mkdirs(tmp);
    fs.setPermission(tmp, new FsPermission((short) 01777));
    Path home = new Path("/user/" + user);
    fs.mkdirs(home);
    fs.setOwner(home, user, "supergroup");

    // ---- client configuration ----
    confDir.mkdirs();
    Map<String, String> core = new LinkedHashMap<>();
    core.put("fs.defaultFS", defaultFs);
    core.put("hadoop.security.authentication", "simple");
    writeSite(new File(confDir, "core-site.xml"), core);

    Map<String, String> hdfs = new LinkedHashMap<>();
    hdfs.put("dfs.namenode.rpc-address", LOOPBACK + ":" + dfs.getNameNodePort());
    hdfs.put("dfs.namenode.http-address", LOOPBACK + ":" + need(opts, "nn.http"));
    hdfs.put("dfs.webhdfs.enabled", "true");
    hdfs.put("dfs.replication", "1");
    hdfs.put("dfs.permissions.enabled", "true");
    writeSite(new File(confDir, "hdfs-site.xml"), hdfs);

    // The addresses as asked for (the RM's own configuration says "localhost",
    // what 127.0.0.1 resolves back to).
    Map<String, String> ys = new LinkedHashMap<>();
    for (String key : new String[] {
        YarnConfiguration.RM_HOSTNAME, YarnConfiguration.RM_ADDRESS,
        YarnConfiguration.RM_SCHEDULER_ADDRESS, YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS,
        YarnConfiguration.RM_ADMIN_ADDRESS, YarnConfiguration.RM_WEBAPP_ADDRESS,
        YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB,
        YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB}) {
      ys.put(key, yarnConf.get(key));
    }
    ys.put(YarnConfiguration.NM_VMEM_CHECK_ENABLED, "false");
    ys.put(YarnConfiguration.LOG_AGGREGATION_ENABLED, "false");
    writeSite(new File(confDir, "yarn-site.xml"), ys);

    log("client configuration in " + confDir);
    String control = opts.get("control");
    if (control != null && !control.isEmpty()) {
      startControl(dfs, Integer.parseInt(control));
    }
    // The service script reads the YARN work folder (container logs) from this line.
    System.out.println("BED-HADOOP-READY " + defaultFs + " yarn-work="
        + yarn.getTestWorkDir().getAbsolutePath());
    System.out.flush();
    Thread.currentThread().join();  // until a signal stops the clusters
  }

  // The DataNode while it is stopped through the control port (null: running).
  private static MiniDFSCluster.DataNodeProperties stoppedDataNode;

  // A loopback-only HTTP port through which fault tests stop and start the
  // DataNode (same ports, same storage) while the NameNode keeps running:
  //   POST /datanode/stop                 stops it (200; 409 if already stopped)
  //   POST /datanode/start                starts it again and waits until the
  //                                       NameNode sees it (200; 409 if running)
  //   POST /datanode/restart?down_ms=N    stop, wait N ms (default 0), start
  // Each answers when done, with one line of text.
  private static void startControl(MiniDFSCluster dfs, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, port), 4);
    server.createContext("/datanode/", exchange -> {
      int code = 200;
      String body;
      try {
        if (!"POST".equals(exchange.getRequestMethod())) {
          code = 405;
          body = "use POST";
        } else {
          String what = exchange.getRequestURI().getPath().substring("/datanode/".length());
          long downMs = queryLong(exchange, "down_ms", 0);
          synchronized (BedCluster.class) {
            switch (what) {
              case "stop":
                if (stoppedDataNode != null) {
                  code = 409;
                  body = "the DataNode is already stopped";
                } else {
                  stoppedDataNode = dfs.stopDataNode(0);
                  body = "stopped";
                }
                break;
              case "start":
                if (stoppedDataNode == null) {
                  code = 409;
                  body = "the DataNode is running";
                } else {
                  startDataNode(dfs);
                  body = "started";
                }
                break;
              case "restart":
                if (stoppedDataNode == null) {
                  stoppedDataNode = dfs.stopDataNode(0);
                }
                Thread.sleep(downMs);
                startDataNode(dfs);
                body = "restarted";
                break;
              default:
                code = 404;
                body = "unknown control " + what + ": expected stop, start or restart";
            }
          }
          log("control: datanode " + what + ": " + code + " " + body);
        }
      } catch (Throwable t) {
        code = 500;
        body = "failed: " + t;
        log("control: " + body);
      }
      byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    log("control port at http://" + LOOPBACK + ":" + port);
  }

  private static void startDataNode(MiniDFSCluster dfs) throws IOException {
    // keepPort: the same data, HTTP and IPC ports, so WebHDFS clients and the
    // NameNode find it where it was.
    if (!dfs.restartDataNode(stoppedDataNode, true)) {
      throw new IOException("MiniDFSCluster.restartDataNode returned false");
    }
    stoppedDataNode = null;
    dfs.waitActive();
  }

  private static long queryLong(HttpExchange exchange, String key, long fallback) {
    String query = exchange.getRequestURI().getQuery();
    if (query == null) {
      return fallback;
    }
    for (String kv : query.split("&")) {
      if (kv.startsWith(key + "=")) {
        return Long.parseLong(kv.substring(key.length() + 1));
      }
    }
    return fallback;
  }

  // Runs action in a thread and waits at most seconds for it; on a timeout
  // logs every thread's stack (to see what hangs) and goes on.
  private static void bounded(String what, Runnable action, int seconds) {
    Thread t = new Thread(() -> {
      try {
        action.run();
      } catch (Throwable e) {
        log(what + " stop failed: " + e);
      }
    }, "bed-stop-" + what);
    t.setDaemon(true);
    t.start();
    try {
      t.join(seconds * 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log(what + " did not stop within " + seconds + " s; threads:");
      for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
        System.err.println("  thread " + e.getKey().getName());
        for (StackTraceElement el : e.getValue()) {
          System.err.println("      at " + el);
        }
      }
    }
  }

  private static String need(Map<String, String> opts, String key) {
    String v = opts.get(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing argument " + key + "=...");
    }
    return v;
  }

  private static String addr(String port) {
    return LOOPBACK + ":" + Integer.parseInt(port);
  }

  // Writes a *-site.xml with exactly these properties (not the JVM's whole
  // configuration: that would carry test-only classes such as MiniDFSCluster's
  // net.topology.node.switch.mapping.impl to every client). Atomic rename.
  private static void writeSite(File file, Map<String, String> props) throws IOException {
    Configuration c = new Configuration(false);
    for (Map.Entry<String, String> e : props.entrySet()) {
      if (e.getValue() == null) {
        throw new IllegalStateException("no value for " + e.getKey());
      }
      c.set(e.getKey(), e.getValue());
    }
    File tmp = new File(file.getPath() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      c.writeXml(out);
    }
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private static void log(String message) {
    System.err.println("[bed-hadoop] " + message);
    System.err.flush();
  }
}

package dev.trainpod.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Sends the logging of what runs inside {@code ./run-local}'s own process (the embedded Kafka broker, the embedded
 * PostgreSQL's process output, their clients, the RunPod simulator) to {@code .devstack/logs/infrastructure.log},
 * so that the console shows only the {@code [devstack]} and {@code [demo]} lines a person follows. The services
 * already log to their own files there.
 */
final class InfrastructureLogs {

    /** The file name, in the log directory. */
    static final String FILE = "infrastructure.log";

    private InfrastructureLogs() {
    }

    /** Replaces the console handlers of java.util.logging (where slf4j-jdk14 sends Kafka's and zonky's logs). */
    static Path toFile(Path logDir) {
        try {
            Files.createDirectories(logDir);
            Path file = logDir.resolve(FILE);
            // log4j2 is on the class path through Kafka: anything logged through it goes to the same folder.
            Path log4j = logDir.resolve("log4j2.properties");
            Files.writeString(log4j, """
                    appender.file.type = File
                    appender.file.name = file
                    appender.file.fileName = %s
                    appender.file.layout.type = PatternLayout
                    appender.file.layout.pattern = %%d %%p %%c: %%m%%n
                    rootLogger.level = info
                    rootLogger.appenderRef.file.ref = file
                    """.formatted(logDir.resolve("infrastructure-log4j.log").toString().replace("\\", "/")));
            System.setProperty("log4j2.configurationFile", log4j.toString());
            Logger root = LogManager.getLogManager().getLogger("");
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
                h.close();
            }
            FileHandler handler = new FileHandler(file.toString(), false);
            handler.setFormatter(new SimpleFormatter());
            handler.setLevel(Level.ALL);
            root.addHandler(handler);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

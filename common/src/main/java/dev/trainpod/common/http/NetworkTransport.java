package dev.trainpod.common.http;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Says at start which network transport the service's HTTP server and clients run on: Netty's native epoll where it
 * loads ({@code quarkus.vertx.prefer-native-transport}, the services' images), else the JDK's NIO, with the reason,
 * so that a service that lost the native transport (another base image, another architecture) shows it in its log.
 */
@ApplicationScoped
public class NetworkTransport {

    private static final Logger LOG = Logger.getLogger(NetworkTransport.class);

    void report(@Observes StartupEvent startup, Vertx vertx) {
        if (vertx.isNativeTransportEnabled()) {
            LOG.info("network transport: native (epoll)");
        } else if (vertx.unavailableNativeTransportCause() == null) {
            LOG.warn("network transport: the JDK's NIO (quarkus.vertx.prefer-native-transport is off)");
        } else {
            LOG.warnf("network transport: the JDK's NIO; the native one did not load (%s)",
                    vertx.unavailableNativeTransportCause());
        }
    }
}

/**
 * {@code gatelane serve}: text on demand over HTTP from one model, every active request one stream of core's
 * batched generator. The JDK's own HTTP server (module {@code jdk.httpserver}) carries it.
 */
module org.gatelane.serve {
    requires transitive org.gatelane.core;
    requires jdk.httpserver;
    requires com.google.gson;

    exports org.gatelane.serve;
}

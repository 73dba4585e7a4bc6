/** Model files of other runtimes: PyTorch state dicts as safetensors files, read and written. */
module org.gatelane.interop {
    requires transitive org.gatelane.core;
    requires com.google.gson;

    exports org.gatelane.interop;
}

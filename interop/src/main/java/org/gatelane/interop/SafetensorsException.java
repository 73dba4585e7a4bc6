package org.gatelane.interop;

/** A safetensors file that cannot be read, or whose tensors do not make a model; the message names the problem. */
public final class SafetensorsException extends IllegalArgumentException {

    public SafetensorsException(String message) {
        super(message);
    }
}

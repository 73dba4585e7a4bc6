package org.gatelane.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The {@code --model} option of the commands that read a model: sample, eval, export and serve. */
final class ModelOption {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "a Gatelane model: a checkpoint written by gatelane train, or an import")
    Path file;
}

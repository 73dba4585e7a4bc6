import java.nio.file.Files;
import java.nio.file.Path;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.interop.TorchModels;

/**
 * Writes the model `gatelane train --seed SEED --hidden H` would start from, as a PyTorch state dict, so PyTorch can
 * train Gatelane's own initialisation (bench/python/identical_start.py train). A single-file program, run as
 *
 *   java --add-modules jdk.incubator.vector -cp cli/target/gatelane.jar bench/tools/ExportInit.java \
 *       TRAIN.txt SEED H OUT.safetensors
 */
public class ExportInit {
    public static void main(String[] args) throws Exception {
        Vocabulary vocabulary = Vocabulary.of(Files.readString(Path.of(args[0])));
        ModelShape shape = ModelShape.characterModel(vocabulary.size(), Integer.parseInt(args[2]), 1);
        RecurrentModel model = RecurrentModel.initialized(shape, Long.parseLong(args[1]));
        TorchModels.export(model, vocabulary, TorchModels.Names.DEFAULT).write(Path.of(args[3]));
    }
}

import java.nio.file.Files;
import java.nio.file.Path;

import org.gatelane.core.LstmModel;
import org.gatelane.core.LstmShape;
import org.gatelane.core.Vocabulary;
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
        LstmShape shape = LstmShape.characterModel(vocabulary.size(), Integer.parseInt(args[2]), 1);
        LstmModel model = LstmModel.initialized(shape, Long.parseLong(args[1]));
        TorchModels.export(model, vocabulary, TorchModels.Names.DEFAULT).write(Path.of(args[3]));
    }
}

package org.gatelane.core.io;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.text.Vocabulary;

/**
 * The checkpoint format's fields, in order, for every version; {@link Checkpoint} frames them with the magic,
 * the version and the checksum.
 *
 * <p>Version 4 (written): the shape with its cell's id, the vocabulary, the settings as string pairs, the
 * parameters, then a flag and, if set, the typed {@link RunState}. Versions 1 to 3 (still read) kept the run
 * state's generators, schedule and display values among the string pairs; reading them moves those pairs into
 * the run state, with the values those runs started from where a pair is missing. Version 1 wrote strings in
 * Java's modified UTF-8 and, like version 2, knew only the LSTM.
 */
final class CheckpointCodec {

    static final int VERSION = 4;

    /** Option keys that carried run state before version 4, with what a run that lacked one started from. */
    private static final Map<String, String> LEGACY_RUN_KEYS = Map.of("dropoutRng", "0", "smoothedLoss", "NaN",
            "trainedSeconds", "0", "rollbacks", "0", "rateMultiplier", "1", "bestValidation", "Infinity",
            "validationsSinceBest", "0", "validationsSinceDecay", "0", "trainingLength",
            Long.toString(RunState.UNRECORDED));

    private CheckpointCodec() {
    }

    static void encode(Checkpoint checkpoint, DataOutputStream out) throws IOException {
        ModelShape shape = checkpoint.shape();
        out.writeInt(shape.inputSize());
        out.writeInt(shape.hiddenSize());
        out.writeInt(shape.layers());
        out.writeInt(shape.outputSize());
        out.writeBoolean(shape.oneHotInput());
        writeString(out, shape.cell().id());
        int[] codePoints = checkpoint.vocabulary().codePoints();
        out.writeInt(codePoints.length);
        for (int cp : codePoints) {
            out.writeInt(cp);
        }
        out.writeInt(checkpoint.settings().size());
        for (Map.Entry<String, String> setting : checkpoint.settings().entrySet()) {
            writeString(out, setting.getKey());
            writeString(out, setting.getValue());
        }
        writeFloats(out, checkpoint.parameters());
        RunState run = checkpoint.run();
        out.writeBoolean(run != null);
        if (run == null) {
            return;
        }
        out.writeLong(run.iteration());
        out.writeInt(run.optimizerState().length);
        for (float[] state : run.optimizerState()) {
            writeFloats(out, state);
        }
        out.writeLong(run.optimizerStep());
        out.writeInt(run.dataCursor());
        out.writeLong(run.epoch());
        writeState(out, run.carriedState());
        out.writeLong(run.sampleRngState());
        out.writeLong(run.dropoutRngState());
        RunState.Schedule schedule = run.schedule();
        out.writeFloat(schedule.rateMultiplier());
        out.writeDouble(schedule.bestValidation());
        out.writeInt(schedule.validationsSinceBest());
        out.writeInt(schedule.validationsSinceDecay());
        out.writeDouble(run.smoothedLoss());
        out.writeDouble(run.trainedSeconds());
        out.writeInt(run.rollbacks());
        out.writeLong(run.trainingLength());
        out.writeLong(run.trainingFingerprint());
        out.writeLong(run.validationFingerprint());
        out.writeDouble(run.budgetSpentSeconds());
    }

    static Checkpoint decode(BoundedReader reader, int version) throws IOException {
        var in = reader.in;
        ModelShape shape = new ModelShape(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readBoolean(),
                version >= 3 ? Cell.of(reader.string(version)) : Cell.LSTM);
        int[] codePoints = new int[reader.count("vocabulary size", 4)];
        for (int i = 0; i < codePoints.length; i++) {
            codePoints[i] = in.readInt();
        }
        Vocabulary vocabulary = new Vocabulary(codePoints);
        if (shape.oneHotInput() && (vocabulary.size() != shape.inputSize() || vocabulary.size() != shape.outputSize())) {
            throw new IllegalArgumentException("its vocabulary has " + vocabulary.size() + " symbols but its model "
                    + shape.inputSize() + " inputs and " + shape.outputSize() + " outputs");
        }
        int settingCount = reader.count("option count", 8);
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < settingCount; i++) {
            settings.put(reader.string(version), reader.string(version));
        }
        int parameterCount = shape.parameterCount();
        float[] parameters = reader.floats("parameters", parameterCount);
        String poisoned = new ParameterLayout(shape).firstNonFinite(parameters);
        if (poisoned != null) {
            throw new CheckpointException(reader.source() + " holds a model that is not finite (" + poisoned
                    + "); it cannot be sampled, scored or trained");
        }
        RunState run = version >= 4 ? (in.readBoolean() ? runState(reader, shape) : null)
                : legacyRunState(reader, shape, settings);
        return new Checkpoint(shape, vocabulary, settings, parameters, run);
    }

    private static RunState runState(BoundedReader reader, ModelShape shape) throws IOException {
        var in = reader.in;
        long iteration = in.readLong();
        float[][] optimizerState = optimizerState(reader, shape.parameterCount());
        long optimizerStep = in.readLong();
        int dataCursor = in.readInt();
        long epoch = in.readLong();
        RecurrentState carried = readState(reader, shape);
        long sampleRng = in.readLong();
        long dropoutRng = in.readLong();
        RunState.Schedule schedule = new RunState.Schedule(in.readFloat(), in.readDouble(), in.readInt(),
                in.readInt());
        return new RunState(iteration, optimizerState, optimizerStep, dataCursor, epoch, carried, sampleRng,
                dropoutRng, schedule, in.readDouble(), in.readDouble(), in.readInt(), in.readLong(), in.readLong(),
                in.readLong(), in.readDouble());
    }

    /**
     * Versions 1 to 3: the fields in their old order, the rest from the string pairs, which leave the settings. A
     * file without an {@code optimizer} setting came from an import and holds no run to resume.
     */
    private static RunState legacyRunState(BoundedReader reader, ModelShape shape, Map<String, String> settings)
            throws IOException {
        var in = reader.in;
        float[][] optimizerState = optimizerState(reader, shape.parameterCount());
        long optimizerStep = in.readLong();
        long iteration = in.readLong();
        long sampleRng = in.readLong();
        int dataCursor = in.readInt();
        long epoch = in.readLong();
        RecurrentState carried = readState(reader, shape);
        Map<String, String> legacy = new LinkedHashMap<>();
        for (String key : LEGACY_RUN_KEYS.keySet()) {
            String value = settings.remove(key);
            legacy.put(key, value != null ? value : LEGACY_RUN_KEYS.get(key));
        }
        if (!settings.containsKey("optimizer")) {
            return null;
        }
        RunState.Schedule schedule = new RunState.Schedule(Float.parseFloat(legacy.get("rateMultiplier")),
                Double.parseDouble(legacy.get("bestValidation")),
                Integer.parseInt(legacy.get("validationsSinceBest")),
                Integer.parseInt(legacy.get("validationsSinceDecay")));
        return new RunState(iteration, optimizerState, optimizerStep, dataCursor, epoch, carried, sampleRng,
                Long.parseLong(legacy.get("dropoutRng")), schedule, Double.parseDouble(legacy.get("smoothedLoss")),
                Double.parseDouble(legacy.get("trainedSeconds")), Integer.parseInt(legacy.get("rollbacks")),
                Long.parseLong(legacy.get("trainingLength")), RunState.UNRECORDED, RunState.UNRECORDED, 0);
    }

    private static float[][] optimizerState(BoundedReader reader, int parameterCount) throws IOException {
        float[][] state = new float[reader.count("optimizer state count", 4L * parameterCount + 4)][];
        for (int i = 0; i < state.length; i++) {
            state[i] = reader.floats("optimizer state " + i, parameterCount);
        }
        return state;
    }

    private static void writeState(DataOutputStream out, RecurrentState state) throws IOException {
        out.writeInt(state.streams());
        for (int l = 0; l < state.layers(); l++) {
            writeFloats(out, state.h(l));
            writeFloats(out, state.c(l));
        }
    }

    private static RecurrentState readState(BoundedReader reader, ModelShape shape) throws IOException {
        int streams = reader.count("stream count", 8L * shape.layers() * shape.hiddenSize());
        if (streams < 1) {
            throw new IllegalArgumentException("its carried state has " + streams + " streams");
        }
        RecurrentState carried = new RecurrentState(shape.layers(), streams, shape.hiddenSize());
        for (int l = 0; l < shape.layers(); l++) {
            reader.floatsInto("carried h of layer " + l, carried.h(l));
            reader.floatsInto("carried c of layer " + l, carried.c(l));
        }
        return carried;
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer block = ByteBuffer.allocate(4 * Math.min(values.length, BoundedReader.FLOAT_BLOCK));
        for (int from = 0; from < values.length; from += BoundedReader.FLOAT_BLOCK) {
            int n = Math.min(BoundedReader.FLOAT_BLOCK, values.length - from);
            block.clear();
            block.asFloatBuffer().put(values, from, n);
            out.write(block.array(), 0, 4 * n);
        }
    }
}

package org.gatelane.spark;

import java.io.Serializable;

/** Run in each task before it computes; a test's way to make an attempt fail. Does nothing in a real job. */
@FunctionalInterface
interface TaskHook extends Serializable {

    TaskHook NONE = part -> { };

    /** Called with the group's or shard's index. */
    void beforeCompute(int part);
}

package org.klp.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeadlineListTest {

    @Test
    void hostsSharingOneDeadlineAreFoundAndMovedOneByOne() {
        DeadlineList list = new DeadlineList();
        for (int h = 9_999; h >= 0; h--) {
            list.add(h, 100);
        }
        list.add(20_000, 50);

        list.remove(5_000, 100);
        list.add(5_000, 200);

        assertThat(list.size()).isEqualTo(10_001);
        assertThat(list.staleCount(100)).isEqualTo(1);
        assertThat(list.host(0)).isEqualTo(20_000);
        assertThat(list.host(1)).as("ties by host id").isZero();
        assertThat(list.host(10_000)).isEqualTo(5_000);
        assertThat(list.deadline(10_000)).isEqualTo(200);
        assertThatThrownBy(() -> list.remove(5_000, 100)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mergingKeepsTheOrderOfDeadlinesThenHosts() {
        DeadlineList a = new DeadlineList();
        a.add(3, 10);
        a.add(1, 20);
        DeadlineList b = new DeadlineList();
        b.add(2, 10);
        b.add(0, 20);

        a.addAll(b);
        a.remove(2, 10);

        assertThat(new int[] {a.host(0), a.host(1), a.host(2)}).containsExactly(3, 0, 1);
    }
}

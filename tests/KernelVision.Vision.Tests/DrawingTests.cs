using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Vision.Tests;

public class DrawingTests
{
    [Fact]
    public void RectOutlineTouchesOnlyTheBorder()
    {
        var img = new RgbImage(6, 5);
        img.DrawRect(1, 1, 4, 3, Rgb.White);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 6; x++)
            {
                bool border = x >= 1 && x <= 4 && y >= 1 && y <= 3 && (x == 1 || x == 4 || y == 1 || y == 3);
                Assert.Equal(border ? 255 : 0, img[x, y].R);
            }
        // Clipped drawing outside the picture is silently ignored.
        img.DrawRect(-5, -5, 20, 20, Rgb.White, 2);
    }

    [Fact]
    public void FontGlyphsAreTheClassicOnes()
    {
        // 'I': column 2 fully inked, columns 1 and 3 only top and bottom rows.
        for (int row = 0; row < 7; row++)
        {
            Assert.True(BitmapFont.Ink('I', 2, row));
            Assert.Equal(row is 0 or 6, BitmapFont.Ink('I', 1, row));
        }
        Assert.DoesNotContain(Enumerable.Range(0, 35), i => BitmapFont.Ink(' ', i / 7, i % 7));
        // Non-ASCII is drawn as '?'.
        Assert.Equal(BitmapFont.Ink('?', 0, 1), BitmapFont.Ink('é', 0, 1));
        Assert.Equal(6 * 3 - 1, BitmapFont.MeasureWidth("abc"));
        Assert.Equal(2 * (6 * 3 - 1), BitmapFont.MeasureWidth("abc", 2));
    }

    [Fact]
    public void TextAndLabelsLandWhereMeasured()
    {
        var img = new RgbImage(40, 12);
        BitmapFont.DrawLabel(img, 1, 1, "Bag", Rgb.White, new Rgb(200, 0, 0));
        int w = BitmapFont.MeasureWidth("Bag") + 2, h = BitmapFont.LineHeight() + 2;
        // The label background covers exactly [1, 1+w) × [1, 1+h): red or white inside, black outside.
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 40; x++)
            {
                bool inside = x >= 1 && x < 1 + w && y >= 1 && y < 1 + h;
                var c = img[x, y];
                Assert.Equal(inside, c != Rgb.Black);
            }
        Assert.Contains(Enumerable.Range(0, 40 * 12), i => img[i % 40, i / 40] == Rgb.White);
    }

    [Fact]
    public void GridZoomAndPaste()
    {
        var a = new RgbImage(2, 2, Rgb.Gray(10));
        var b = new RgbImage(3, 1, Rgb.Gray(20));
        var g = RgbImage.Grid([a, b, a], 2, 1, Rgb.White);
        // Cells 3x2, 2 columns, 2 rows, 1 px gaps: (2·3 + 3) x (2·2 + 3).
        Assert.Equal((9, 7), (g.Width, g.Height));
        Assert.Equal(Rgb.Gray(10), g[1, 1]);
        Assert.Equal(Rgb.Gray(20), g[5, 1]);
        Assert.Equal(Rgb.White, g[5, 2]);
        Assert.Equal(Rgb.Gray(10), g[1, 4]);
        var z = a.Zoom(3);
        Assert.Equal((6, 6), (z.Width, z.Height));
        var p = new RgbImage(3, 3);
        p.Paste(new RgbImage(2, 2, Rgb.White), 2, -1);
        Assert.Equal(Rgb.White, p[2, 0]);
        Assert.Equal(Rgb.Black, p[2, 1]);
    }

    [Fact]
    public void DetectionDrawingOutlinesBoxesInClassColour()
    {
        var img = new RgbImage(40, 40);
        var drawn = Detector.Draw(img, [new Box(10, 20, 30, 35, 2, 0.9f)], c => "x", zoom: 1);
        Assert.Equal(Rgb.ForClass(2), drawn[10, 25]);
        Assert.Equal(Rgb.ForClass(2), drawn[29, 34]);
        Assert.Equal(Rgb.Black, drawn[20, 27]);
        Assert.Equal(Rgb.Black, img[10, 25]); // the source is not modified
    }

    [Fact]
    public void DetectionDrawingScalesWithThePicture()
    {
        // A 4000x3000 photo: lines 8 px (4000/500), the 5x7 font at scale 8 (4000/480), label 72 px high.
        var photo = new RgbImage(4000, 3000);
        var drawn = Detector.Draw(photo, [new Box(1000, 1000, 2000, 2000, 1, 0.9f)], c => "shirt", zoom: 1);
        var colour = Rgb.ForClass(1);
        Assert.Equal(colour, drawn[1000, 1500]);
        Assert.Equal(colour, drawn[1007, 1500]);
        Assert.Equal(Rgb.Black, drawn[1008, 1500]);
        // The label sits above the box: its background spans 7·8 + 2·8 = 72 rows.
        Assert.Equal(colour, drawn[1000, 1000 - 72]);
        Assert.Equal(Rgb.Black, drawn[1000, 1000 - 73]);

        // A small picture keeps 1-px lines and the 1x font.
        var small = Detector.Draw(new RgbImage(40, 40), [new Box(10, 20, 30, 35, 2, 0.9f)], c => "x", zoom: 1);
        Assert.Equal(Rgb.Black, small[11, 27]);
    }

    [Fact]
    public void FeatureMapsRenderOneNormalisedTilePerChannel()
    {
        // 3 channels of 2x2: ramp, constant, negative ramp.
        var t = Tensor.FromFloats([1, 3, 2, 2], [0, 1, 2, 3, 5, 5, 5, 5, -1, -2, -3, -4]);
        var img = FeatureMaps.Render(t, maxMaps: 64, minTile: 4);
        // One row of 3 (3 divides itself, within [√3, 2√3]), tiles zoomed 2x to 4x4, 2 px gaps: 3·4 + 4·2 = 20 x 8.
        Assert.Equal((20, 8), (img.Width, img.Height));
        Assert.Equal(FeatureMaps.Viridis(0), img[2, 2]);     // channel 0 min
        Assert.Equal(FeatureMaps.Viridis(1), img[5, 5]);     // channel 0 max
        Assert.Equal(FeatureMaps.Viridis(0.5), img[8, 2]);   // constant map: mid colour
        Assert.Equal(FeatureMaps.Viridis(1), img[14, 2]);    // channel 2: first value is its max
        Assert.Equal(FeatureMaps.Viridis(0), img[17, 5]);    // ... and last its min
        Assert.Equal(4 + 4, FeatureMaps.Render(t, maxMaps: 1, minTile: 4).Width);
        Assert.Throws<InputException>(() => FeatureMaps.Render(Tensor.FromFloats([1, 1, 1, 1, 1], [0])));
    }

    [Theory]
    [InlineData(32, 8)]
    [InlineData(64, 8)]
    [InlineData(16, 4)]
    [InlineData(10, 5)]
    [InlineData(7, 3)]
    [InlineData(1, 1)]
    public void FeatureMapGridAvoidsEmptyCells(int count, int columns) => Assert.Equal(columns, FeatureMaps.GridColumns(count));
}

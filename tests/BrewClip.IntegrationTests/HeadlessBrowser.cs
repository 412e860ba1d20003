using BrewClip.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The system's Chromium, headless, driven by its chromedriver: the pages' tests open one, wait on what the page shows
/// (<see cref="Wait"/>, 60 s at most), and keep screenshots under tests/BrewClip.IntegrationTests/TestResults/screenshots.
/// </summary>
internal sealed class HeadlessBrowser : IDisposable
{
    private readonly ChromeDriverService _service;

    private HeadlessBrowser(ChromeDriverService service, ChromeDriver driver)
    {
        _service = service;
        Driver = driver;
        Wait = new WebDriverWait(driver, Eventually.Patience);
    }

    public ChromeDriver Driver { get; }

    public WebDriverWait Wait { get; }

    public static HeadlessBrowser Start(int width = 1200, int height = 1000)
    {
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", $"--window-size={width},{height}");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        try
        {
            return new HeadlessBrowser(service, new ChromeDriver(service, options, TimeSpan.FromSeconds(90)));
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    /// <summary>Runs a script in the page and says whether it returned true.</summary>
    public bool True(string script) => true.Equals(Driver.ExecuteScript(script));

    /// <summary>Saves what the page shows as <paramref name="name"/>.png; returns the file.</summary>
    public string Screenshot(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(TestSettings.RepositoryRoot, "tests", "BrewClip.IntegrationTests", "TestResults", "screenshots")).FullName;
        var file = Path.Combine(folder, name + ".png");
        ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(file);
        return file;
    }

    public void Dispose()
    {
        Driver.Dispose();
        _service.Dispose();
    }
}
